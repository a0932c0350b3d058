// The `atheena` dataflow dialect, declared in IRDL and loaded at run time into
// the MLIR context of the torch-mlir Python bindings.
//
// One SSA value is one stream of feature maps, one per sample; its builtin
// tensor type is the logical shape of one sample's tensor (C x H x W for
// feature maps, N for vectors, i1 for exit decisions).  IRDL checks the
// structure of every op (operand/result counts, required attributes and their
// kinds); `atheena.dialects.verify` checks the meaning (shapes, parameter
// ranges, one consumer per stream).  The op reference is `dialects/README.md`.
//
// Weights and biases are `irdl.any` because the builtin dense elements
// attribute has no registered name that IRDL can refer to; the semantic
// verifier checks that they are dense f32 tensors of the right shape.

irdl.dialect @atheena {
  irdl.operation @conv2d {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %kernel = irdl.base "#builtin.dense_array"
    %stride = irdl.base "#builtin.dense_array"
    %padding = irdl.base "#builtin.dense_array"
    %groups = irdl.base "#builtin.integer"
    %weights = irdl.any
    %bias = irdl.any
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"kernel" = %kernel, "stride" = %stride, "padding" = %padding,
                     "groups" = %groups, "weights" = %weights, "bias" = %bias}
  }

  irdl.operation @max_pool2d {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %kernel = irdl.base "#builtin.dense_array"
    %stride = irdl.base "#builtin.dense_array"
    %padding = irdl.base "#builtin.dense_array"
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"kernel" = %kernel, "stride" = %stride, "padding" = %padding}
  }

  irdl.operation @avg_pool2d {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %kernel = irdl.base "#builtin.dense_array"
    %stride = irdl.base "#builtin.dense_array"
    %padding = irdl.base "#builtin.dense_array"
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"kernel" = %kernel, "stride" = %stride, "padding" = %padding}
  }

  irdl.operation @global_avg_pool2d {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    irdl.operands(input: %in)
    irdl.results(output: %out)
  }

  irdl.operation @relu {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    irdl.operands(input: %in)
    irdl.results(output: %out)
  }

  irdl.operation @linear {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %weights = irdl.any
    %bias = irdl.any
    irdl.operands(input: %in)
    irdl.results(output: %out)
    irdl.attributes {"weights" = %weights, "bias" = %bias}
  }

  irdl.operation @flatten {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    irdl.operands(input: %in)
    irdl.results(output: %out)
  }

  irdl.operation @split {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    irdl.operands(input: %in)
    irdl.results(outputs: variadic %out)
  }

  irdl.operation @exit_decision {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %threshold = irdl.base "#builtin.float"
    %exit = irdl.base "#builtin.integer"
    irdl.operands(logits: %in)
    irdl.results(decision: %out)
    irdl.attributes {"threshold" = %threshold, "exit" = %exit}
  }

  irdl.operation @conditional_buffer {
    %data = irdl.base "!builtin.tensor"
    %decision = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    %mode = irdl.base "#builtin.string"
    %exit = irdl.base "#builtin.integer"
    irdl.operands(input: %data, decision: %decision)
    irdl.results(output: %out)
    irdl.attributes {"mode" = %mode, "exit" = %exit}
  }

  irdl.operation @exit_merge {
    %in = irdl.base "!builtin.tensor"
    %out = irdl.base "!builtin.tensor"
    irdl.operands(inputs: variadic %in)
    irdl.results(output: %out)
  }
}
