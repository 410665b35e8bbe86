"""Time training steps of the study's bias-free UNet in PyTorch, the baseline of bench/models-train-step.mjs.

The network is written here from the architecture description (3 blocks, 64 channels doubling per block,
two 3x3 convolutions per block, bias-free batch norm in training mode, 2x2 average pooling, 2x2 stride-2
transposed-convolution upsampling, skip concatenation); one step is forward, loss = summed squared error of
the predicted noise / batch size, backward and an Adam update (lr 1e-3). Random inputs and targets: the
timing does not depend on the values.

Usage: /usr/bin/python3 bench/pytorch/train_step.py [--sizes 32,80] [--batch 16] [--steps 3] [--threads 2] [--json]
(Debian's python3-torch installs into /usr/bin/python3, which may differ from the python3 on PATH.)
"""
import argparse
import json
import time

import torch
from torch import nn


class BiasFreeBatchNorm(nn.Module):
    """Divides by the per-channel standard deviation (batch's in training, running in eval), times a gain."""

    def __init__(self, channels):
        super().__init__()
        self.gammas = nn.Parameter(torch.randn(1, channels, 1, 1).mul_(2 / (9 * 64)).clamp_(-0.025, 0.025))
        self.register_buffer("running_sd", torch.ones(1, channels, 1, 1))

    def forward(self, x):
        if self.training:
            sd = torch.sqrt(x.var(dim=(0, 2, 3), keepdim=True, unbiased=False) + 1e-5)
            with torch.no_grad():
                self.running_sd.mul_(0.9).add_(0.1 * sd)
        else:
            sd = self.running_sd
        return x / sd * self.gammas


def conv_bn_relu(channels_in, channels_out):
    return [nn.Conv2d(channels_in, channels_out, 3, padding=1, bias=False), BiasFreeBatchNorm(channels_out), nn.ReLU()]


class BiasFreeUnet(nn.Module):
    def __init__(self, blocks=3, channels=64):
        super().__init__()
        self.blocks = blocks
        self.encoder = nn.ModuleList()
        for b in range(blocks):
            width = channels * 2 ** b
            if b == 0:
                layers = [nn.Conv2d(1, width, 3, padding=1, bias=False), nn.ReLU()] + conv_bn_relu(width, width)[:3]
            else:
                layers = conv_bn_relu(width // 2, width) + conv_bn_relu(width, width)
            self.encoder.append(nn.Sequential(*layers))
        top = channels * 2 ** blocks
        self.middle = nn.Sequential(*(conv_bn_relu(top // 2, top) + conv_bn_relu(top, top)))
        self.upsample = nn.ModuleList()
        self.decoder = nn.ModuleList()
        for b in range(blocks):
            width = channels * 2 ** b
            self.upsample.append(nn.ConvTranspose2d(2 * width, width, 2, stride=2, bias=False))
            if b == 0:
                layers = conv_bn_relu(2 * width, width) + [nn.Conv2d(width, 1, 3, padding=1, bias=False)]
            else:
                layers = conv_bn_relu(2 * width, width) + conv_bn_relu(width, width)
            self.decoder.append(nn.Sequential(*layers))
        self.pool = nn.AvgPool2d(2)

    def forward(self, x):
        skips = []
        for b in range(self.blocks):
            x = self.encoder[b](x)
            skips.append(x)
            x = self.pool(x)
        x = self.middle(x)
        for b in reversed(range(self.blocks)):
            x = self.decoder[b](torch.cat([self.upsample[b](x), skips[b]], dim=1))
        return x


def time_steps(size, batch, steps):
    torch.manual_seed(0)
    net = BiasFreeUnet()
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.kaiming_normal_(module.weight, a=0, mode="fan_in")
    net.train()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    noisy = torch.rand(batch, 1, size, size)
    noise = torch.randn(batch, 1, size, size) * 0.1

    def step():
        optimizer.zero_grad()
        loss = ((net(noisy) - noise) ** 2).sum() / batch
        loss.backward()
        optimizer.step()

    step()  # warm-up
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - started) / steps * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="32,80", help="image sides in pixels, comma-separated")
    parser.add_argument("--batch", type=int, default=16, help="images per step")
    parser.add_argument("--steps", type=int, default=3, help="timed steps per size (after one warm-up step)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    results = []
    for size in (int(part) for part in args.sizes.split(",")):
        ms = time_steps(size, args.batch, args.steps)
        results.append({"size": size, "batch": args.batch, "threads": args.threads, "msPerStep": ms, "stepsPerSecond": 1000 / ms})
    parameters = sum(p.numel() for p in BiasFreeUnet().parameters())
    if args.json:
        print(json.dumps({"torch": torch.__version__, "parameters": parameters, "results": results}))
    else:
        for entry in results:
            print(f"pytorch {torch.__version__} {entry['size']}x{entry['size']} batch {entry['batch']} threads {entry['threads']}: "
                  f"{entry['msPerStep']:.0f} ms/step, {entry['stepsPerSecond']:.2f} steps/s")


if __name__ == "__main__":
    main()
