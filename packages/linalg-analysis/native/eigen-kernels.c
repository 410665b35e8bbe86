// WebAssembly SIMD (f64x2) kernels for the two O(n³) stages of symmetricEigen
// (packages/linalg-analysis/src/symmetric-eigen.ts): the Householder reduction to tridiagonal form and the
// back-transformation of the eigenvectors. Built without libc by ./build.sh. The JavaScript side
// (src/eigen-kernels.ts) creates the shared memory and passes byte offsets as pointers. All matrices are
// row-major doubles.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

typedef v128_t f64x2;

static inline double horizontal_sum(f64x2 x) {
  return wasm_f64x2_extract_lane(x, 0) + wasm_f64x2_extract_lane(x, 1);
}

static inline f64x2 load2(const double *p) { return wasm_v128_load(p); }
static inline void store2(double *p, f64x2 x) { wasm_v128_store(p, x); }
static inline f64x2 splat(double x) { return wasm_f64x2_splat(x); }
static inline f64x2 add(f64x2 x, f64x2 y) { return wasm_f64x2_add(x, y); }
static inline f64x2 sub(f64x2 x, f64x2 y) { return wasm_f64x2_sub(x, y); }
static inline f64x2 mul(f64x2 x, f64x2 y) { return wasm_f64x2_mul(x, y); }

/* ---------------------------------------------------------------------------------------------------------
 * Householder reduction. The algorithm and the storage match householderTridiagonalise in
 * symmetric-eigen.ts. The upper triangle of `a` contains the symmetric matrix, and row k keeps the
 * Householder vector v_k in entries k+1…n−1. Each step updates the trailing matrix and accumulates the
 * product B′v′ of the next step in one pass.
 * ------------------------------------------------------------------------------------------------------- */

/* Turns row k, entries k+1…n−1, into the Householder vector, stores β and returns α (see makeReflector). */
static double make_reflector(double *a, int n, int k, double *betas) {
  double *x = a + k * n;
  double x0 = x[k + 1];
  double tail_squared = 0;
  for (int j = k + 2; j < n; j++) tail_squared += x[j] * x[j];
  if (tail_squared == 0) {
    betas[k] = 0;
    return x0;
  }
  double norm = __builtin_sqrt(x0 * x0 + tail_squared);
  double alpha = x0 >= 0 ? -norm : norm;
  double v0 = x0 - alpha;
  x[k + 1] = v0;
  betas[k] = 2 / (v0 * v0 + tail_squared);
  return alpha;
}

/* p[first…n−1] = B v for the trailing upper triangle B from row `first` and v in row `vector_row`. */
static void upper_matvec(const double *a, int n, int first, int vector_row, double *p) {
  const double *v = a + vector_row * n;
  for (int j = 0; j < n; j++) p[j] = 0;
  for (int i = first; i < n; i++) {
    const double *row = a + i * n;
    double vi = v[i];
    double sum = row[i] * vi;
    for (int j = i + 1; j < n; j++) {
      sum += row[j] * v[j];
      p[j] += row[j] * vi;
    }
    p[i] += sum;
  }
}

/* Row i (entries j ≥ i) ← row − v_i w − w_i v. */
static void update_row(double *a, int n, int i, const double *v, const double *w) {
  double *row = a + i * n;
  double vi = v[i];
  double wi = w[i];
  for (int j = i; j < n; j++) row[j] -= vi * w[j] + wi * v[j];
}

/*
 * Rows i and i + 1 (upper triangle) ← row − v_r w − w_r v, and next_p += B′v′ restricted to those rows,
 * where v′ = next_v. The j loop runs on f64x2 lanes.
 */
static void update_two_rows_fused(double *a, int n, int i, const double *v, const double *w, const double *next_v, double *next_p) {
  double *row_a = a + i * n;
  double *row_b = row_a + n;
  double va = v[i], wa = w[i], na = next_v[i];
  double vb = v[i + 1], wb = w[i + 1], nb = next_v[i + 1];

  row_a[i] -= 2 * va * wa;
  double sum_a = row_a[i] * na;
  double corner = row_a[i + 1] - va * w[i + 1] - wa * vb;
  row_a[i + 1] = corner;
  sum_a += corner * nb;
  double p_next = next_p[i + 1] + corner * na;
  row_b[i + 1] -= 2 * vb * wb;
  double sum_b = row_b[i + 1] * nb;

  f64x2 va2 = splat(va), wa2 = splat(wa), na2 = splat(na);
  f64x2 vb2 = splat(vb), wb2 = splat(wb), nb2 = splat(nb);
  f64x2 acc_a = splat(0), acc_b = splat(0);
  int j = i + 2;
  for (; j + 2 <= n; j += 2) {
    f64x2 wj = load2(w + j);
    f64x2 vj = load2(v + j);
    f64x2 nj = load2(next_v + j);
    f64x2 xa = sub(sub(load2(row_a + j), mul(va2, wj)), mul(wa2, vj));
    f64x2 xb = sub(sub(load2(row_b + j), mul(vb2, wj)), mul(wb2, vj));
    store2(row_a + j, xa);
    store2(row_b + j, xb);
    acc_a = add(acc_a, mul(xa, nj));
    acc_b = add(acc_b, mul(xb, nj));
    store2(next_p + j, add(load2(next_p + j), add(mul(xa, na2), mul(xb, nb2))));
  }
  sum_a += horizontal_sum(acc_a);
  sum_b += horizontal_sum(acc_b);
  for (; j < n; j++) {
    double xa = row_a[j] - va * w[j] - wa * v[j];
    double xb = row_b[j] - vb * w[j] - wb * v[j];
    row_a[j] = xa;
    row_b[j] = xb;
    sum_a += xa * next_v[j];
    sum_b += xb * next_v[j];
    next_p[j] += xa * na + xb * nb;
  }
  next_p[i] += sum_a;
  next_p[i + 1] = p_next + sum_b;
}

/*
 * Four-row form of update_two_rows_fused for rows i…i+3: the loads of w, v, v′ and next_p serve four rows,
 * which cuts the memory traffic per matrix entry from about 36 to 26 bytes.
 */
static void update_four_rows_fused(double *a, int n, int i, const double *v, const double *w, const double *next_v, double *next_p) {
  double *rows[4] = {a + i * n, a + (i + 1) * n, a + (i + 2) * n, a + (i + 3) * n};
  double sums[4];

  // The triangle of columns i…i+3, one scalar entry at a time.
  for (int r = 0; r < 4; r++) {
    int d = i + r;
    double *row = rows[r];
    double vr = v[d], wr = w[d], nr = next_v[d];
    row[d] -= 2 * vr * wr;
    double sum = row[d] * nr;
    for (int j = d + 1; j < i + 4; j++) {
      double value = row[j] - vr * w[j] - wr * v[j];
      row[j] = value;
      sum += value * next_v[j];
      next_p[j] += value * nr;
    }
    sums[r] = sum;
  }

  double *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
  f64x2 v0 = splat(v[i]), v1 = splat(v[i + 1]), v2 = splat(v[i + 2]), v3 = splat(v[i + 3]);
  f64x2 w0 = splat(w[i]), w1 = splat(w[i + 1]), w2 = splat(w[i + 2]), w3 = splat(w[i + 3]);
  f64x2 n0 = splat(next_v[i]), n1 = splat(next_v[i + 1]), n2 = splat(next_v[i + 2]), n3 = splat(next_v[i + 3]);
  f64x2 acc0 = splat(0), acc1 = splat(0), acc2 = splat(0), acc3 = splat(0);
  int j = i + 4;
  for (; j + 2 <= n; j += 2) {
    f64x2 wj = load2(w + j);
    f64x2 vj = load2(v + j);
    f64x2 nj = load2(next_v + j);
    f64x2 x0 = sub(sub(load2(r0 + j), mul(v0, wj)), mul(w0, vj));
    f64x2 x1 = sub(sub(load2(r1 + j), mul(v1, wj)), mul(w1, vj));
    f64x2 x2 = sub(sub(load2(r2 + j), mul(v2, wj)), mul(w2, vj));
    f64x2 x3 = sub(sub(load2(r3 + j), mul(v3, wj)), mul(w3, vj));
    store2(r0 + j, x0);
    store2(r1 + j, x1);
    store2(r2 + j, x2);
    store2(r3 + j, x3);
    acc0 = add(acc0, mul(x0, nj));
    acc1 = add(acc1, mul(x1, nj));
    acc2 = add(acc2, mul(x2, nj));
    acc3 = add(acc3, mul(x3, nj));
    f64x2 column = add(add(mul(x0, n0), mul(x1, n1)), add(mul(x2, n2), mul(x3, n3)));
    store2(next_p + j, add(load2(next_p + j), column));
  }
  sums[0] += horizontal_sum(acc0);
  sums[1] += horizontal_sum(acc1);
  sums[2] += horizontal_sum(acc2);
  sums[3] += horizontal_sum(acc3);
  for (; j < n; j++) {
    double column = 0;
    for (int r = 0; r < 4; r++) {
      int d = i + r;
      double value = rows[r][j] - v[d] * w[j] - w[d] * v[j];
      rows[r][j] = value;
      sums[r] += value * next_v[j];
      column += value * next_v[d];
    }
    next_p[j] += column;
  }
  for (int r = 0; r < 4; r++) next_p[i + r] += sums[r];
}

/*
 * Starts the reduction of the symmetric matrix in the upper triangle of the n×n matrix `a` (n ≥ 3): builds
 * reflector 0 (off_diagonal[0], betas[0]) and p = B v_0. `betas` has length n.
 */
EXPORT("tridiagonalise_start")
void tridiagonalise_start(double *a, int n, double *off_diagonal, double *betas, double *p) {
  for (int j = 0; j < n; j++) betas[j] = 0;
  off_diagonal[0] = make_reflector(a, n, 0, betas);
  upper_matvec(a, n, 1, 0, p);
}

/*
 * Runs reduction steps k_begin…k_end−1 (k_end ≤ n − 2): each writes diagonal[k], updates the trailing
 * matrix and builds reflector k + 1. On entry `p` contains Bv of step k_begin. Each step swaps `p` and
 * `next_p`, so after an odd number of steps the caller passes them the other way round. `w` is scratch of
 * length n.
 */
EXPORT("tridiagonalise_steps")
void tridiagonalise_steps(double *a, int n, double *diagonal, double *off_diagonal, double *betas, double *p, double *next_p, double *w, int k_begin, int k_end) {
  for (int k = k_begin; k < k_end; k++) {
    diagonal[k] = a[k * n + k];
    const double *v = a + k * n;
    double beta = betas[k];

    // w = p − (β/2)(pᵀv)v with p = βBv.
    double pv = 0;
    for (int j = k + 1; j < n; j++) {
      p[j] *= beta;
      pv += p[j] * v[j];
    }
    double half = 0.5 * beta * pv;
    for (int j = k + 1; j < n; j++) w[j] = p[j] - half * v[j];

    // Row k + 1 first, because it contains the next column to reduce.
    int first = k + 1;
    update_row(a, n, first, v, w);
    int has_next = first < n - 2;
    if (has_next) off_diagonal[first] = make_reflector(a, n, first, betas);

    for (int j = first + 1; j < n; j++) next_p[j] = 0;
    const double *next_v = a + first * n;
    int i = first + 1;
    if (has_next) {
      for (; i + 3 < n; i += 4) update_four_rows_fused(a, n, i, v, w, next_v, next_p);
      for (; i + 1 < n; i += 2) update_two_rows_fused(a, n, i, v, w, next_v, next_p);
    }
    for (; i < n; i++) {
      double *row = a + i * n;
      double vi = v[i];
      double wi = w[i];
      if (!has_next) {
        for (int j = i; j < n; j++) row[j] -= vi * w[j] + wi * v[j];
        continue;
      }
      double nvi = next_v[i];
      row[i] -= 2 * vi * wi;
      double sum = row[i] * nvi;
      for (int j = i + 1; j < n; j++) {
        double value = row[j] - vi * w[j] - wi * v[j];
        row[j] = value;
        sum += value * next_v[j];
        next_p[j] += value * nvi;
      }
      next_p[i] += sum;
    }
    double *swap = p;
    p = next_p;
    next_p = swap;
  }
}

/* ---------------------------------------------------------------------------------------------------------
 * Back-transformation. A block of reflectors H_{k0} H_{k0+1} … H_{k1} equals I − V T Vᵀ (the compact WY
 * form) with V = [v_{k0} … v_{k1}] and T upper triangular. Each eigenvector row z becomes z − V T (Vᵀ z):
 * dot products with the block's vectors, a small triangular product, and a rank-b update. Four rows go
 * together, so that each load of V serves four rows.
 * ------------------------------------------------------------------------------------------------------- */

/*
 * Packs reflectors k0…k0+b−1 as rows of `packed` (b × m, m = n − k0 − 1, column jj = matrix column
 * k0 + 1 + jj), with explicit zeros left of each vector's first entry, and builds T (b × b, row-major,
 * upper triangular) by T_ll = β_l, T[0:l, l] = −β_l T[0:l, 0:l] (V[:, 0:l]ᵀ v_l). `dots` is scratch of length b.
 */
static void pack_block(const double *a, const double *betas, int n, int k0, int b, double *packed, double *t, double *dots) {
  int col0 = k0 + 1;
  int m = n - col0;
  for (int l = 0; l < b; l++) {
    const double *source = a + (k0 + l) * n + col0;
    double *target = packed + l * m;
    for (int jj = 0; jj < l; jj++) target[jj] = 0;
    for (int jj = l; jj < m; jj++) target[jj] = source[jj];
  }

  for (int l = 0; l < b; l++) {
    const double *vl = packed + l * m;
    double beta = betas[k0 + l];
    for (int r = 0; r < l; r++) {
      const double *vr = packed + r * m;
      double sum = 0;
      for (int jj = l; jj < m; jj++) sum += vr[jj] * vl[jj];
      dots[r] = sum;
    }
    for (int r = 0; r < l; r++) {
      double sum = 0;
      for (int s = r; s < l; s++) sum += t[r * b + s] * dots[s];
      t[r * b + l] = -beta * sum;
    }
    for (int r = l + 1; r < b; r++) t[r * b + l] = 0;
    t[l * b + l] = beta;
  }
}

/* coefficients[q·b + l] = ⟨z_q, v_l⟩ for the four rows z_0…z_3 (length m) and the b packed vectors. */
static void dots_four_rows(const double *z0, const double *z1, const double *z2, const double *z3, const double *packed, int m, int b, double *coefficients) {
  int l = 0;
  for (; l + 2 <= b; l += 2) {
    const double *va = packed + l * m;
    const double *vb = va + m;
    f64x2 s0a = splat(0), s1a = splat(0), s2a = splat(0), s3a = splat(0);
    f64x2 s0b = splat(0), s1b = splat(0), s2b = splat(0), s3b = splat(0);
    int jj = 0;
    for (; jj + 2 <= m; jj += 2) {
      f64x2 x0 = load2(z0 + jj), x1 = load2(z1 + jj), x2 = load2(z2 + jj), x3 = load2(z3 + jj);
      f64x2 a2 = load2(va + jj), b2 = load2(vb + jj);
      s0a = add(s0a, mul(x0, a2));
      s1a = add(s1a, mul(x1, a2));
      s2a = add(s2a, mul(x2, a2));
      s3a = add(s3a, mul(x3, a2));
      s0b = add(s0b, mul(x0, b2));
      s1b = add(s1b, mul(x1, b2));
      s2b = add(s2b, mul(x2, b2));
      s3b = add(s3b, mul(x3, b2));
    }
    double r0a = horizontal_sum(s0a), r1a = horizontal_sum(s1a), r2a = horizontal_sum(s2a), r3a = horizontal_sum(s3a);
    double r0b = horizontal_sum(s0b), r1b = horizontal_sum(s1b), r2b = horizontal_sum(s2b), r3b = horizontal_sum(s3b);
    for (; jj < m; jj++) {
      r0a += z0[jj] * va[jj];
      r1a += z1[jj] * va[jj];
      r2a += z2[jj] * va[jj];
      r3a += z3[jj] * va[jj];
      r0b += z0[jj] * vb[jj];
      r1b += z1[jj] * vb[jj];
      r2b += z2[jj] * vb[jj];
      r3b += z3[jj] * vb[jj];
    }
    coefficients[l] = r0a;
    coefficients[b + l] = r1a;
    coefficients[2 * b + l] = r2a;
    coefficients[3 * b + l] = r3a;
    coefficients[l + 1] = r0b;
    coefficients[b + l + 1] = r1b;
    coefficients[2 * b + l + 1] = r2b;
    coefficients[3 * b + l + 1] = r3b;
  }
  for (; l < b; l++) {
    const double *va = packed + l * m;
    double r0 = 0, r1 = 0, r2 = 0, r3 = 0;
    for (int jj = 0; jj < m; jj++) {
      r0 += z0[jj] * va[jj];
      r1 += z1[jj] * va[jj];
      r2 += z2[jj] * va[jj];
      r3 += z3[jj] * va[jj];
    }
    coefficients[l] = r0;
    coefficients[b + l] = r1;
    coefficients[2 * b + l] = r2;
    coefficients[3 * b + l] = r3;
  }
}

/* z_q ← z_q − Σ_l coefficients[q·b + l] v_l for the four rows, four columns per step. */
static void update_four_rows(double *z0, double *z1, double *z2, double *z3, const double *packed, int m, int b, const double *coefficients) {
  int jj = 0;
  for (; jj + 4 <= m; jj += 4) {
    f64x2 a0 = splat(0), a1 = splat(0), a2 = splat(0), a3 = splat(0);
    f64x2 c0 = splat(0), c1 = splat(0), c2 = splat(0), c3 = splat(0);
    const double *v = packed + jj;
    for (int l = 0; l < b; l++, v += m) {
      f64x2 low = load2(v), high = load2(v + 2);
      f64x2 u0 = wasm_v128_load64_splat(coefficients + l);
      f64x2 u1 = wasm_v128_load64_splat(coefficients + b + l);
      f64x2 u2 = wasm_v128_load64_splat(coefficients + 2 * b + l);
      f64x2 u3 = wasm_v128_load64_splat(coefficients + 3 * b + l);
      a0 = add(a0, mul(u0, low));
      c0 = add(c0, mul(u0, high));
      a1 = add(a1, mul(u1, low));
      c1 = add(c1, mul(u1, high));
      a2 = add(a2, mul(u2, low));
      c2 = add(c2, mul(u2, high));
      a3 = add(a3, mul(u3, low));
      c3 = add(c3, mul(u3, high));
    }
    store2(z0 + jj, sub(load2(z0 + jj), a0));
    store2(z0 + jj + 2, sub(load2(z0 + jj + 2), c0));
    store2(z1 + jj, sub(load2(z1 + jj), a1));
    store2(z1 + jj + 2, sub(load2(z1 + jj + 2), c1));
    store2(z2 + jj, sub(load2(z2 + jj), a2));
    store2(z2 + jj + 2, sub(load2(z2 + jj + 2), c2));
    store2(z3 + jj, sub(load2(z3 + jj), a3));
    store2(z3 + jj + 2, sub(load2(z3 + jj + 2), c3));
  }
  for (; jj < m; jj++) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int l = 0; l < b; l++) {
      double vj = packed[l * m + jj];
      s0 += coefficients[l] * vj;
      s1 += coefficients[b + l] * vj;
      s2 += coefficients[2 * b + l] * vj;
      s3 += coefficients[3 * b + l] * vj;
    }
    z0[jj] -= s0;
    z1[jj] -= s1;
    z2[jj] -= s2;
    z3[jj] -= s3;
  }
}

/* coefficients[q·b + r] ← Σ_{l ≥ r} T[r, l] coefficients[q·b + l] for the four rows (in place: r ascends). */
static void multiply_by_t(const double *t, int b, double *coefficients) {
  for (int q = 0; q < 4; q++) {
    double *c = coefficients + q * b;
    for (int r = 0; r < b; r++) {
      double sum = 0;
      for (int l = r; l < b; l++) sum += t[r * b + l] * c[l];
      c[r] = sum;
    }
  }
}

/* Returns the number of reflector blocks of size at most `block` for n×n matrices (reflectors 0…n−3). */
static int block_count(int n, int block) { return n < 3 ? 0 : (n - 2 + block - 1) / block; }

/* First reflector k0 and size b of block q; blocks run from the last reflector (q = 0) down to H_0. */
static void block_range(int n, int block, int q, int *k0, int *b) {
  int block_end = n - 3 - q * block;
  int first = block_end - block + 1;
  if (first < 0) first = 0;
  *k0 = first;
  *b = block_end - first + 1;
}

/*
 * Packs every block of reflectors (see pack_block) into `packed_all`, one block after another in the order
 * q = 0, 1, … in which they are applied, and the T factors into `t_all` (block² doubles per block).
 * `packed_all` needs Σ_q b_q·m_q ≤ n·(n + block) / 2 doubles; `dots` is scratch of length `block`.
 */
EXPORT("pack_reflectors")
void pack_reflectors(const double *a, const double *betas, int n, int block, double *packed_all, double *t_all, double *dots) {
  int blocks = block_count(n, block);
  double *packed = packed_all;
  for (int q = 0; q < blocks; q++) {
    int k0, b;
    block_range(n, block, q, &k0, &b);
    pack_block(a, betas, n, k0, b, packed, t_all + q * block * block, dots);
    packed += b * (n - k0 - 1);
  }
}

/*
 * Replaces rows row_begin…row_end−1 of the n×n matrix `z` by Q z with Q = H_0 H_1 … H_{n−3}, from the
 * blocks packed by pack_reflectors. The rows stay in cache while every block passes over them. Rows are
 * independent, so threads may run disjoint row ranges at once. Scratch: `coefficients` 4·block doubles and
 * `spare` 4·n (for a last group of 1–3 rows).
 */
EXPORT("apply_reflectors_to_rows")
void apply_reflectors_to_rows(int n, int block, const double *packed_all, const double *t_all, double *z, int row_begin, int row_end, double *coefficients, double *spare) {
  int blocks = block_count(n, block);
  const double *packed = packed_all;
  for (int q = 0; q < blocks; q++) {
    int k0, b;
    block_range(n, block, q, &k0, &b);
    int col0 = k0 + 1;
    int m = n - col0;
    const double *t = t_all + q * block * block;

    int row = row_begin;
    for (; row + 4 <= row_end; row += 4) {
      double *z0 = z + row * n + col0;
      double *z1 = z0 + n, *z2 = z1 + n, *z3 = z2 + n;
      dots_four_rows(z0, z1, z2, z3, packed, m, b, coefficients);
      multiply_by_t(t, b, coefficients);
      update_four_rows(z0, z1, z2, z3, packed, m, b, coefficients);
    }
    if (row < row_end) {
      // The last 1–3 rows go through the four-row kernels with zero rows filling the group.
      int rest = row_end - row;
      for (int j = 0; j < 4 * m; j++) spare[j] = 0;
      for (int r = 0; r < rest; r++) {
        const double *source = z + (row + r) * n + col0;
        for (int jj = 0; jj < m; jj++) spare[r * m + jj] = source[jj];
      }
      dots_four_rows(spare, spare + m, spare + 2 * m, spare + 3 * m, packed, m, b, coefficients);
      multiply_by_t(t, b, coefficients);
      update_four_rows(spare, spare + m, spare + 2 * m, spare + 3 * m, packed, m, b, coefficients);
      for (int r = 0; r < rest; r++) {
        double *target = z + (row + r) * n + col0;
        for (int jj = 0; jj < m; jj++) target[jj] = spare[r * m + jj];
      }
    }
    packed += b * m;
  }
}
