"""PyTorch baseline for bench/linalg-*.mjs: Jacobian rows of a bias-free UNet by batched vector-Jacobian
products, and the symmetric eigendecomposition (torch.linalg.eigh) of an n x n matrix.

The UNet follows the study's architecture: 3 blocks, 64 channels in the first block, two 3x3 convolutions per
block, bias-free batch norm in evaluation mode, 2x2 average pooling, 2x2 stride-2 transposed convolutions and
skip concatenation. Its weights are random because only the cost matters here, not the values.

Run with Debian's interpreter (python3-torch 1.13):
    /usr/bin/python3 bench/pytorch/jacobian.py --size 40 --rows 128 --chunk 64 --eigen 1600 --threads 2
Prints one JSON object with the timings in seconds.
"""
import argparse
import json
import time

import torch
from torch import nn


class BiasFreeBatchNorm(nn.Module):
    """Evaluation-mode bias-free batch norm: x * gamma / running_sd per channel."""

    def __init__(self, channels):
        super().__init__()
        self.gammas = nn.Parameter(torch.empty(1, channels, 1, 1).normal_(0, 2 / 9 / 64).clamp_(-0.025, 0.025) + 1)
        self.register_buffer("running_sd", torch.ones(1, channels, 1, 1))

    def forward(self, x):
        return x * (self.gammas / self.running_sd)


def conv_block(in_channels, out_channels, convolutions, first_has_norm=True):
    layers = []
    for index in range(convolutions):
        layers.append(nn.Conv2d(in_channels if index == 0 else out_channels, out_channels, 3, padding=1, bias=False))
        if index > 0 or first_has_norm:
            layers.append(BiasFreeBatchNorm(out_channels))
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class BiasFreeUnet(nn.Module):
    def __init__(self, blocks=3, channels=64, image_channels=1):
        super().__init__()
        widths = [channels * 2**b for b in range(blocks)]
        self.encoders = nn.ModuleList()
        previous = image_channels
        for b, width in enumerate(widths):
            self.encoders.append(conv_block(previous, width, 2, first_has_norm=b > 0))
            previous = width
        self.middle = conv_block(previous, channels * 2**blocks, 2)
        self.upsamplers = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for b in reversed(range(blocks)):
            self.upsamplers.append(nn.ConvTranspose2d(channels * 2 ** (b + 1), widths[b], 2, stride=2, bias=False))
            if b > 0:
                self.decoders.append(conv_block(2 * widths[b], widths[b], 2))
            else:
                # The last decoder layer is a plain convolution to the image channels (the predicted noise).
                self.decoders.append(
                    nn.Sequential(conv_block(2 * widths[b], widths[b], 1), nn.Conv2d(widths[b], image_channels, 3, padding=1, bias=False))
                )
        self.pool = nn.AvgPool2d(2)

    def forward(self, x):
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = self.pool(x)
        x = self.middle(x)
        for upsample, decoder, skip in zip(self.upsamplers, self.decoders, reversed(skips)):
            x = decoder(torch.cat([upsample(x), skip], dim=1))
        return x


def jacobian_rows(model, y, first, count, chunk):
    """Rows first..first+count-1 of the Jacobian of the denoiser y - model(y), chunk rows per backward pass."""
    d = y.numel()
    rows = torch.empty(count, d, dtype=torch.float64)
    for offset in range(0, count, chunk):
        batch = min(chunk, count - offset)
        copies = y.repeat(batch, 1, 1, 1).requires_grad_(True)
        denoised = copies - model(copies)
        cotangents = torch.zeros(batch, d)
        cotangents[torch.arange(batch), first + offset + torch.arange(batch)] = 1
        (gradient,) = torch.autograd.grad(denoised.reshape(batch, d), copies, cotangents)
        rows[offset : offset + batch] = gradient.reshape(batch, d).double()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=40, help="image side in pixels")
    parser.add_argument("--rows", type=int, default=128, help="Jacobian rows to time (0 for none)")
    parser.add_argument("--chunk", type=int, default=64, help="rows per backward pass")
    parser.add_argument("--eigen", type=int, default=0, help="size n of the symmetric eigendecomposition to time (0 for none)")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()

    torch.set_num_threads(arguments.threads)
    torch.manual_seed(arguments.seed)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads()}

    if arguments.rows > 0:
        model = BiasFreeUnet().eval()
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        y = torch.rand(1, 1, arguments.size, arguments.size)
        jacobian_rows(model, y, 0, min(arguments.chunk, arguments.rows), arguments.chunk)  # warm-up
        start = time.perf_counter()
        jacobian_rows(model, y, 0, arguments.rows, arguments.chunk)
        seconds = time.perf_counter() - start
        d = arguments.size**2
        result.update(jacobianRows=arguments.rows, jacobianRowsSeconds=seconds, jacobianFullSecondsEstimate=seconds * d / arguments.rows)

    if arguments.eigen > 0:
        n = arguments.eigen
        matrix = torch.randn(n, n, dtype=torch.float64)
        matrix = (matrix + matrix.T) / 2
        start = time.perf_counter()
        torch.linalg.eigh(matrix)
        result.update(eigenN=n, eigenSeconds=time.perf_counter() - start)

    print(json.dumps(result))


if __name__ == "__main__":
    main()
