"""`atheena.flatten`: a C x H x W map read as a vector of C*H*W values.

It moves no data: the stream already is the vector in HWC order, so it has
no hardware and no cost; the next linear layer's weight columns are permuted
from PyTorch's CHW flattening to HWC instead (the channel remembers the map's
shape for that).
"""

from __future__ import annotations

import numpy as np

from atheena.dialects import ops as O
from atheena.kinds.base import OpKind, vector


class Flatten(OpKind):
    name = "atheena.flatten"
    order = 60
    torch_ops = ("torch.aten.flatten.using_ints", "torch.aten.view", "torch.aten.reshape", "torch.aten._unsafe_view",
                 "torch.prims.collapse")
    torch_layers = "Flatten/view"

    def from_torch(self, b, op):
        source = b.stream(op)
        shape = b.out_shape(op)
        if shape == source.shape:
            b.alias(op, source)
        elif len(source.shape) == 3 and len(shape) == 1 and shape[0] == int(np.prod(source.shape)):
            b.add(op, self.name, source)
        else:
            b.fail(op, f"reshape {list(source.shape)} -> {list(shape)} is not supported; only "
                       "flattening a feature map into a vector is")
    role = "reshape"
    folded = False

    def check(self, op):
        in_shape = O.shape_of(op.operands[0])
        out = vector(op.results[0])
        if len(in_shape) != 3 or out is None or out[0] != int(np.prod(in_shape)):
            return (f"must turn a C x H x W map into a vector of C*H*W elements, got {list(in_shape)} -> "
                    f"{op.results[0].type}")
        return None

    def evaluate(self, op, x, arith):
        return x.reshape(x.shape[0], int(np.prod(x.shape[1:])))

    def axes(self, op):
        return {}

    def interval(self, op, folding):
        return 0

    def hardware(self, op, folding, b, inputs):
        return [b.alias(inputs[0], chw=tuple(O.shape_of(op.operands[0])))]


KIND = Flatten()
