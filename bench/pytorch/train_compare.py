"""PyTorch side of bench/models-train-compare.mjs: the same bias-free UNet trained from the same initial
weights on the same noisy batches as gahb, so per-step losses, batch-norm running standard deviations,
evaluation outputs, PSNR and the Jacobian asymmetry can be compared.

The network mirrors gahb's bf-unet and the study's UNet: block 0 is Conv -> ReLU -> [Conv -> BF-BN -> ReLU] x
(convs - 1), later encoder blocks and the middle block [Conv -> BF-BN -> ReLU] x convs, 2x2 average pooling,
2x2 stride-2 transposed-convolution upsampling, [upsampled, skip] concatenation, and a plain output
convolution. In training mode BF-BN divides by the batch's standard deviation (biased variance over batch,
height and width, plus 1e-5) and moves `running_sd` 0.1 of the way towards it. Evaluation mode divides by
`running_sd`. No layer has an additive term. State-dict names follow the authors' nn.Sequential numbering,
which gahb's importPytorchNetwork reads.

Subcommands (run with Debian's interpreter, /usr/bin/python3, which has python3-torch 1.13):
  prepare DIR  writes images, the initial state dict, K stored noisy batches and the evaluation noise
  train DIR    trains from DIR/init.pt on the stored batches (or on fresh noise with --online) and writes
               losses, the final state dict, evaluation outputs, PSNR and the Jacobian asymmetry as JSON
"""
import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn

EVAL_SIGMAS = [0.005, 0.01, 0.05, 0.1, 0.2, 0.4]
ASYMMETRY_SIGMAS = [0.05, 0.2]


class BiasFreeBatchNorm(nn.Module):
    def __init__(self, channels):
        super().__init__()
        gains = torch.randn(1, channels, 1, 1) * (2 / (9 * 64))
        self.gammas = nn.Parameter(gains.clamp(-0.025, 0.025))
        self.register_buffer("running_sd", torch.ones(1, channels, 1, 1))

    def forward(self, x):
        if not self.training:
            return x / self.running_sd * self.gammas
        batch_sd = torch.sqrt(x.var(dim=(0, 2, 3), keepdim=True, unbiased=False) + 1e-5)
        with torch.no_grad():
            self.running_sd.mul_(0.9).add_(0.1 * batch_sd)
        return x / batch_sd * self.gammas


def block_layers(convs, channels_in, channels_out, first_without_norm, last_channels=None):
    """Build one block in the authors' layer order, ending with a plain convolution when last_channels is given."""
    layers = []
    channels = channels_in
    for index in range(convs):
        if index == convs - 1 and last_channels is not None:
            layers.append(nn.Conv2d(channels, last_channels, 3, padding=1, bias=False))
            return nn.Sequential(*layers)
        layers.append(nn.Conv2d(channels, channels_out, 3, padding=1, bias=False))
        if not (index == 0 and first_without_norm):
            layers.append(BiasFreeBatchNorm(channels_out))
        layers.append(nn.ReLU())
        channels = channels_out
    return nn.Sequential(*layers)


class BiasFreeUnet(nn.Module):
    def __init__(self, blocks, channels, convs=2):
        super().__init__()
        self.blocks = blocks
        self.encoder = nn.ModuleList()
        for b in range(blocks):
            channels_in = 1 if b == 0 else channels * 2 ** (b - 1)
            self.encoder.append(block_layers(convs, channels_in, channels * 2**b, first_without_norm=b == 0))
        self.mid_block = block_layers(convs, channels * 2 ** (blocks - 1), channels * 2**blocks, False)
        # Index b upsamples from channels * 2^(b+1) to channels * 2^b, as in the authors' state dicts.
        self.upsample = nn.ModuleList(
            nn.ConvTranspose2d(channels * 2 ** (b + 1), channels * 2**b, 2, stride=2, bias=False) for b in range(blocks)
        )
        self.decoder = nn.ModuleList(
            block_layers(convs, channels * 2 ** (b + 1), channels * 2**b, False, 1 if b == 0 else None) for b in range(blocks)
        )
        self.pool = nn.AvgPool2d(2)

    def forward(self, x):
        skips = []
        for b in range(self.blocks):
            x = self.encoder[b](x)
            skips.append(x)
            x = self.pool(x)
        x = self.mid_block(x)
        for b in reversed(range(self.blocks)):
            x = torch.cat([self.upsample[b](x), skips[b]], dim=1)
            x = self.decoder[b](x)
        return x


def new_network(blocks, channels, seed):
    torch.manual_seed(seed)
    network = BiasFreeUnet(blocks, channels)
    for module in network.modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            # Kaiming normal, std sqrt(2 / fan_in) with PyTorch's fan_in = weight dimension 1 x k^2, as gahb initialises.
            nn.init.kaiming_normal_(module.weight, a=0, mode="fan_in")
    return network


def power_law_filter(size, exponent, dims):
    """|k|^-exponent over the integer FFT frequencies (radial in 2-D), with the DC entry set to 1."""
    k = np.fft.fftfreq(size) * size
    if dims == 1:
        radius = np.abs(k)
    else:
        radius = np.sqrt(k[:, None] ** 2 + k[None, :] ** 2)
    radius[radius == 0] = 1
    return radius**-exponent


def c_alpha_images(count, size, alpha, rng):
    """Draw piecewise C^alpha images: two power-law backgrounds separated by a power-law contour, edge 2x2 box-blurred."""
    images = np.empty((count, 1, size, size), np.float32)
    contour_filter = power_law_filter(size, alpha, 1)
    background_filter = power_law_filter(size, alpha, 2)
    rows = np.arange(size)[:, None]
    for i in range(count):
        contour = np.real(np.fft.ifft(np.fft.fft(rng.uniform(-1, 1, size)) * contour_filter))
        contour = size / 2 + contour / (contour.std() + 1e-12) * size / 8
        mask = (rows >= contour[None, :]).astype(np.float64)
        padded = np.pad(mask, ((0, 1), (0, 1)), mode="edge")
        mask = (padded[:-1, :-1] + padded[1:, :-1] + padded[:-1, 1:] + padded[1:, 1:]) / 4
        backgrounds = []
        for _ in range(2):
            field = np.real(np.fft.ifft2(np.fft.fft2(rng.uniform(-1, 1, (size, size))) * background_filter))
            backgrounds.append((field - field.min()) / (field.max() - field.min() + 1e-12))
        low, high = rng.uniform(0, 1, 2)
        bright = high + (1 - high) * backgrounds[0] if rng.uniform() < 0.5 else low * backgrounds[0]
        dark = low * backgrounds[1] if bright.mean() > 0.5 else high + (1 - high) * backgrounds[1]
        images[i, 0] = mask * bright + (1 - mask) * dark
    return images


def prepare(args):
    os.makedirs(args.dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    train = c_alpha_images(args.images, args.size, args.alpha, rng)
    test = c_alpha_images(args.test_images, args.size, args.alpha, rng)
    np.save(f"{args.dir}/train.npy", train)
    np.save(f"{args.dir}/test.npy", test)

    network = new_network(args.blocks, args.channels, args.seed)
    torch.save(network.state_dict(), f"{args.dir}/init.pt")

    # Stored batches: index i of step s is train[order[s, i]], sigma = u^2 (the study's quadratic levels).
    order = rng.integers(0, args.images, (args.steps, args.batch))
    sigma = rng.uniform(0, 1, (args.steps, args.batch)).astype(np.float32) ** 2
    noise = rng.standard_normal((args.steps, args.batch, 1, args.size, args.size)).astype(np.float32) * sigma[:, :, None, None, None]
    np.save(f"{args.dir}/batch_noise.npy", noise)
    np.save(f"{args.dir}/batch_noisy.npy", (train[order] + noise).astype(np.float32))

    unit_noise = rng.standard_normal((len(EVAL_SIGMAS),) + test.shape).astype(np.float32)
    np.save(f"{args.dir}/eval_unit_noise.npy", unit_noise)
    with open(f"{args.dir}/setup.json", "w") as file:
        json.dump({**vars(args), "evalSigmas": EVAL_SIGMAS, "asymmetrySigmas": ASYMMETRY_SIGMAS}, file, indent=1)
    print(f"prepared {args.dir}: {args.images} train and {args.test_images} test images {args.size}x{args.size}, {args.steps} batches of {args.batch}")


def learning_rate(args, step):
    return args.lr * 0.5 ** (step // args.halve_every) if args.halve_every > 0 else args.lr


def evaluate(network, test, unit_noise):
    """Return the evaluation-mode PSNR per sigma (mean over images of the PSNR of y - f(y) against x) and f(y)."""
    network.eval()
    results = {}
    outputs = {}
    with torch.no_grad():
        for k, sigma in enumerate(EVAL_SIGMAS):
            noisy = torch.from_numpy(test + sigma * unit_noise[k])
            residual = network(noisy)
            denoised = noisy - residual
            mse = ((denoised - torch.from_numpy(test)) ** 2).mean(dim=(1, 2, 3))
            results[str(sigma)] = float((10 * torch.log10(1 / mse)).mean())
            outputs[sigma] = residual.numpy()
    return results, outputs


def asymmetry(network, test, unit_noise):
    """Return ||A - A^T||_F / ||A||_F of the denoiser Jacobian A = I - df/dy at noisy test image 0, per sigma (float64)."""
    network.eval()
    values = {}
    d = test[0].size
    network.double()
    for sigma in ASYMMETRY_SIGMAS:
        k = EVAL_SIGMAS.index(sigma)
        noisy = torch.from_numpy(test[:1] + sigma * unit_noise[k][:1]).double()
        jacobian = torch.autograd.functional.jacobian(lambda y: (y - network(y)).reshape(-1), noisy).reshape(d, d)
        values[str(sigma)] = float(torch.linalg.norm(jacobian - jacobian.T) / torch.linalg.norm(jacobian))
    network.float()
    return values


def train(args):
    setup = json.load(open(f"{args.dir}/setup.json"))
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    network = BiasFreeUnet(setup["blocks"], setup["channels"])
    network.load_state_dict(torch.load(f"{args.dir}/init.pt"))
    dtype = torch.float64 if args.double else torch.float32
    network.to(dtype)
    optimizer = torch.optim.Adam(network.parameters(), lr=args.lr)
    test = np.load(f"{args.dir}/test.npy")
    unit_noise = np.load(f"{args.dir}/eval_unit_noise.npy")
    if args.online:
        train_images = torch.from_numpy(np.load(f"{args.dir}/train.npy"))
    else:
        stored_noisy = np.load(f"{args.dir}/batch_noisy.npy", mmap_mode="r")
        stored_noise = np.load(f"{args.dir}/batch_noise.npy", mmap_mode="r")

    losses = []
    history = []
    started = time.perf_counter()
    for step in range(args.steps):
        if args.online:
            indices = torch.randint(0, train_images.shape[0], (args.batch,))
            sigma = torch.rand(args.batch, 1, 1, 1) ** 2
            noise = torch.randn(args.batch, 1, setup["size"], setup["size"]) * sigma
            noisy = train_images[indices] + noise
        else:
            noisy = torch.from_numpy(np.array(stored_noisy[step])).to(dtype)
            noise = torch.from_numpy(np.array(stored_noise[step])).to(dtype)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(args, step)
        network.train()
        optimizer.zero_grad()
        loss = ((network(noisy) - noise) ** 2).sum() / noisy.shape[0]
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
        if args.eval_every > 0 and (step + 1) % args.eval_every == 0:
            history.append({"step": step + 1, "psnr": evaluate(network, test, unit_noise)[0], "asymmetry": asymmetry(network, test, unit_noise)})
            print(json.dumps(history[-1]), flush=True)
    seconds = time.perf_counter() - started
    network.float()

    psnr, outputs = evaluate(network, test, unit_noise)
    np.save(f"{args.dir}/{args.tag}_eval_output_sigma0.1.npy", outputs[0.1])
    torch.save(network.state_dict(), f"{args.dir}/{args.tag}_final.pt")
    running_sd = {name: buffer.reshape(-1).tolist() for name, buffer in network.named_buffers()}
    result = {
        "torch": torch.__version__,
        "steps": args.steps,
        "seconds": seconds,
        "losses": losses,
        "psnr": psnr,
        "runningSd": running_sd,
        "asymmetry": asymmetry(network, test, unit_noise),
        "history": history,
    }
    with open(f"{args.dir}/{args.tag}_result.json", "w") as file:
        json.dump(result, file)
    print(json.dumps({key: result[key] for key in ("steps", "seconds", "psnr", "asymmetry")}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="write data, initial weights and noisy batches")
    p.add_argument("dir")
    p.add_argument("--size", type=int, default=16, help="image side in pixels")
    p.add_argument("--images", type=int, default=512, help="number of training images")
    p.add_argument("--test-images", type=int, default=64, help="number of test images for PSNR")
    p.add_argument("--alpha", type=float, default=2.0, help="regularity of contour and backgrounds")
    p.add_argument("--blocks", type=int, default=2)
    p.add_argument("--channels", type=int, default=8, help="channels of the first block")
    p.add_argument("--batch", type=int, default=32, help="images per stored batch")
    p.add_argument("--steps", type=int, default=150, help="number of stored batches")
    p.add_argument("--seed", type=int, default=0)
    t = sub.add_parser("train", help="train from DIR/init.pt and write DIR/<tag>_result.json")
    t.add_argument("dir")
    t.add_argument("--steps", type=int, default=150)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--halve-every", type=int, default=0, help="halve the learning rate every this many steps (0: never)")
    t.add_argument("--online", action="store_true", help="draw fresh noise with torch's generator instead of the stored batches")
    t.add_argument("--batch", type=int, default=64, help="images per step with --online")
    t.add_argument("--double", action="store_true", help="train in float64 (a reference for float32 rounding drift)")
    t.add_argument("--eval-every", type=int, default=0, help="also record PSNR and asymmetry every this many steps (0: only at the end)")
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--seed", type=int, default=0, help="torch seed of --online batches")
    t.add_argument("--tag", default="torch", help="prefix of the output files")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
