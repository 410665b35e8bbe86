// WebAssembly SIMD (f64x2) kernels for the two O(n³) stages of symmetricEigen
// (packages/linalg-analysis/src/symmetric-eigen.ts): the Householder reduction to tridiagonal form and the
// back-transformation of the eigenvectors. Built without libc by ./build.sh; the JavaScript side owns the
// memory (imported) and passes byte offsets as pointers. All matrices are row-major doubles.
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
 * symmetric-eigen.ts: the upper triangle of `a` contains the symmetric matrix, row k keeps the Householder
 * vector v_k in entries k+1…n−1, and each step updates the trailing matrix and accumulates the product
 * B′v′ of the next step in one pass.
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
 * Reduces the symmetric matrix in the upper triangle of the n×n matrix `a` to tridiagonal form. Writes the
 * diagonal (n), the off-diagonal (n − 1) and the reflector coefficients β (n), and keeps v_k in row k.
 * `p`, `next_p` and `w` are scratch vectors of length n.
 */
EXPORT("tridiagonalise")
void tridiagonalise(double *a, int n, double *diagonal, double *off_diagonal, double *betas, double *p, double *next_p, double *w) {
  for (int j = 0; j < n; j++) betas[j] = 0;
  if (n >= 3) {
    off_diagonal[0] = make_reflector(a, n, 0, betas);
    upper_matvec(a, n, 1, 0, p);
  }

  for (int k = 0; k < n - 2; k++) {
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

    int first = k + 1;
    update_row(a, n, first, v, w);
    int has_next = first < n - 2;
    if (has_next) off_diagonal[first] = make_reflector(a, n, first, betas);

    for (int j = first + 1; j < n; j++) next_p[j] = 0;
    const double *next_v = a + first * n;
    int i = first + 1;
    if (has_next) {
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

  if (n >= 2) {
    diagonal[n - 2] = a[(n - 2) * n + n - 2];
    off_diagonal[n - 2] = a[(n - 2) * n + n - 1];
  }
  diagonal[n - 1] = a[(n - 1) * n + n - 1];
}

/* ---------------------------------------------------------------------------------------------------------
 * Back-transformation. A block of reflectors H_{k0} H_{k0+1} … H_{k1} equals I − V T Vᵀ (the compact WY
 * form, Golub & Van Loan 4th ed. section 5.1.7) with V = [v_{k0} … v_{k1}] and T upper triangular. Each
 * eigenvector row z becomes z − V T (Vᵀ z): dot products with the block's vectors, a small triangular
 * product, and a rank-b update, four rows at a time so that each load of V serves four rows.
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

/*
 * Replaces each row z of the n×n matrix `z` by Q z with Q = H_0 H_1 … H_{n−3}, the reflectors stored in
 * the rows of `a` with coefficients `betas`, in blocks of `block` reflectors. Scratch: `packed` holds
 * block·n doubles, `t` block², `coefficients` 4·block and `dots` block; a row count that is not a multiple
 * of four is handled by a scratch buffer `spare` of 4·n doubles.
 */
EXPORT("apply_reflectors")
void apply_reflectors(const double *a, const double *betas, double *z, int n, int block, double *packed, double *t, double *coefficients, double *dots, double *spare) {
  for (int block_end = n - 3; block_end >= 0; block_end -= block) {
    int k0 = block_end - block + 1;
    if (k0 < 0) k0 = 0;
    int b = block_end - k0 + 1;
    int col0 = k0 + 1;
    int m = n - col0;
    pack_block(a, betas, n, k0, b, packed, t, dots);

    int row = 0;
    for (; row + 4 <= n; row += 4) {
      double *z0 = z + row * n + col0;
      double *z1 = z0 + n, *z2 = z1 + n, *z3 = z2 + n;
      dots_four_rows(z0, z1, z2, z3, packed, m, b, coefficients);
      multiply_by_t(t, b, coefficients);
      update_four_rows(z0, z1, z2, z3, packed, m, b, coefficients);
    }
    if (row < n) {
      // The last 1–3 rows go through the four-row kernels with zero rows filling the group.
      int rest = n - row;
      for (int j = 0; j < 4L * m; j++) spare[j] = 0;
      for (int q = 0; q < rest; q++) {
        const double *source = z + (row + q) * n + col0;
        for (int jj = 0; jj < m; jj++) spare[q * m + jj] = source[jj];
      }
      dots_four_rows(spare, spare + m, spare + 2 * m, spare + 3 * m, packed, m, b, coefficients);
      multiply_by_t(t, b, coefficients);
      update_four_rows(spare, spare + m, spare + 2 * m, spare + 3 * m, packed, m, b, coefficients);
      for (int q = 0; q < rest; q++) {
        double *target = z + (row + q) * n + col0;
        for (int jj = 0; jj < m; jj++) target[jj] = spare[q * m + jj];
      }
    }
  }
}
