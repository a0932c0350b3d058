"""Writes tiny-ee.mlir, the small early-exit network the pass tests start from.

    python lit_tests/Inputs/make_tiny_ee.py /path/to/mnist > lit_tests/Inputs/tiny-ee.mlir

The network takes MNIST's 1x28x28 images (so `annotate-exit-probabilities`
can profile it on the images bundled with ATHEENA) and has every kind of
atheena op: conv2d, max_pool2d, avg_pool2d, relu, flatten, linear, split,
exit_decision, conditional_buffer and exit_merge.  It has 936 parameters.

It is trained once, here, with a fixed seed on MNIST test images 0-7999 (the
project's training split; the bundled calibration images 8000-8999 are not
used), and every weight and bias is rounded to a multiple of 1/64 so that it
is exact both as f32 text and in the hardware's Q8.8 arithmetic.  Only this
script needs PyTorch; the tests read the .mlir it wrote.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

THRESHOLD = 0.7  # about half of the calibration images leave at the exit
STEP = 1 / 64  # weights and biases are multiples of this


class TinyEE(nn.Module):
    def __init__(self):
        super().__init__()
        # shared: 1x28x28 -> conv 3x3 -> 2x26x26 -> max pool 2 -> 2x13x13 -> relu
        self.conv1 = nn.Conv2d(1, 2, 3)
        # early exit: avg pool 4 stride 4 -> 2x3x3 -> flatten 18 -> linear 10
        self.exit_fc = nn.Linear(18, 10)
        # backbone: conv 3x3 pad 1 -> 4x13x13 -> max pool 3 stride 3 -> 4x4x4 -> relu -> flatten 64 -> linear 10
        self.conv2 = nn.Conv2d(2, 4, 3, padding=1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        h = torch.relu(nn.functional.max_pool2d(self.conv1(x), 2))
        early = self.exit_fc(torch.flatten(nn.functional.avg_pool2d(h, 4, 4), 1))
        g = torch.relu(nn.functional.max_pool2d(self.conv2(h), 3, 3))
        return early, self.fc(torch.flatten(g, 1))


def load_mnist_test(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    def read(name: str) -> bytes:
        for path in (folder / name, folder / (name + ".gz")):
            if path.is_file():
                return (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
        raise SystemExit(f"{folder} has no {name}[.gz]")

    images = np.frombuffer(read("t10k-images-idx3-ubyte"), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    labels = np.frombuffer(read("t10k-labels-idx1-ubyte"), np.uint8, offset=8)
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)


def train(images: np.ndarray, labels: np.ndarray) -> TinyEE:
    torch.manual_seed(0)
    net = TinyEE()
    x, y = torch.from_numpy(images[:8000]), torch.from_numpy(labels[:8000])
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    for _ in range(12):
        order = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            batch = order[i : i + 64]
            early, final = net(x[batch])
            loss = nn.functional.cross_entropy(early, y[batch]) + nn.functional.cross_entropy(final, y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.round(p / STEP) * STEP)
    return net


def dense(t: torch.Tensor) -> str:
    """`dense<...> : tensor<...xf32>` with nested brackets, each value exact (-0.0 written as 0.0)."""
    a = t.detach().numpy().astype(np.float64)

    def nested(x) -> str:
        if x.ndim == 1:
            return "[" + ", ".join(repr(float(v) + 0.0) for v in x) + "]"
        return "[" + ", ".join(nested(r) for r in x) + "]"

    return f"dense<{nested(a)}> : tensor<{'x'.join(map(str, a.shape))}xf32>"


def window(k: int, s: int, p: int) -> str:
    return f"kernel = array<i64: {k}, {k}>, stride = array<i64: {s}, {s}>, padding = array<i64: {p}, {p}>"


def emit(net: TinyEE, accuracy: str) -> str:
    t = lambda *shape: f"tensor<{'x'.join(map(str, shape))}xf32>"
    return f"""\
// A tiny early-exit network for MNIST (1x28x28), trained and written by make_tiny_ee.py
// (weights rounded to multiples of 1/64; {accuracy}).
// The early exit leaves after the shared conv block; the backbone continues with the samples it is not sure of.
func.func @forward(%x: {t(1, 28, 28)}) -> {t(10)} {{
  // shared
  %c1 = "atheena.conv2d"(%x) {{{window(3, 1, 0)}, groups = 1 : i64,
      weights = {dense(net.conv1.weight)},
      bias = {dense(net.conv1.bias)}}} : ({t(1, 28, 28)}) -> {t(2, 26, 26)}
  %p1 = "atheena.max_pool2d"(%c1) {{{window(2, 2, 0)}}} : ({t(2, 26, 26)}) -> {t(2, 13, 13)}
  %r1 = "atheena.relu"(%p1) : ({t(2, 13, 13)}) -> {t(2, 13, 13)}
  %fork:2 = "atheena.split"(%r1) : ({t(2, 13, 13)}) -> ({t(2, 13, 13)}, {t(2, 13, 13)})
  // exit 0
  %a = "atheena.avg_pool2d"(%fork#0) {{{window(4, 4, 0)}}} : ({t(2, 13, 13)}) -> {t(2, 3, 3)}
  %fa = "atheena.flatten"(%a) : ({t(2, 3, 3)}) -> {t(18)}
  %l0 = "atheena.linear"(%fa) {{
      weights = {dense(net.exit_fc.weight)},
      bias = {dense(net.exit_fc.bias)}}} : ({t(18)}) -> {t(10)}
  %ls:2 = "atheena.split"(%l0) : ({t(10)}) -> ({t(10)}, {t(10)})
  %d = "atheena.exit_decision"(%ls#0) {{threshold = {THRESHOLD} : f64, exit = 0 : i64}} : ({t(10)}) -> tensor<i1>
  %ds:2 = "atheena.split"(%d) : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %onward = "atheena.conditional_buffer"(%fork#1, %ds#0) {{mode = "drop_on_exit", exit = 0 : i64}} : ({t(2, 13, 13)}, tensor<i1>) -> {t(2, 13, 13)}
  %early = "atheena.conditional_buffer"(%ls#1, %ds#1) {{mode = "forward_on_exit", exit = 0 : i64}} : ({t(10)}, tensor<i1>) -> {t(10)}
  // backbone after the exit
  %c2 = "atheena.conv2d"(%onward) {{{window(3, 1, 1)}, groups = 1 : i64,
      weights = {dense(net.conv2.weight)},
      bias = {dense(net.conv2.bias)}}} : ({t(2, 13, 13)}) -> {t(4, 13, 13)}
  %p2 = "atheena.max_pool2d"(%c2) {{{window(3, 3, 0)}}} : ({t(4, 13, 13)}) -> {t(4, 4, 4)}
  %r2 = "atheena.relu"(%p2) : ({t(4, 4, 4)}) -> {t(4, 4, 4)}
  %f2 = "atheena.flatten"(%r2) : ({t(4, 4, 4)}) -> {t(64)}
  %l1 = "atheena.linear"(%f2) {{
      weights = {dense(net.fc.weight)},
      bias = {dense(net.fc.bias)}}} : ({t(64)}) -> {t(10)}
  %out = "atheena.exit_merge"(%early, %l1) : ({t(10)}, {t(10)}) -> {t(10)}
  return %out : {t(10)}
}}
"""


def main() -> None:
    images, labels = load_mnist_test(Path(sys.argv[1]))
    net = train(images, labels)
    with torch.no_grad():
        early, final = net(torch.from_numpy(images[8000:9000]))
    y = torch.from_numpy(labels[8000:9000])
    acc = lambda logits: float((logits.argmax(1) == y).float().mean())
    sys.stdout.write(emit(net, f"float accuracy on MNIST test images 8000-8999: exit 0 {acc(early):.1%}, "
                               f"final exit {acc(final):.1%}"))


if __name__ == "__main__":
    main()
