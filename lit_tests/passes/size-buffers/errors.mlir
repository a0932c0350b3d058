// size-buffers fails, naming the problem, on a network that is not folded (no interval on its
// ops) and with a max_loss outside (0, 1).
// RUN: atheena-opt %s --verify-diagnostics --pass-pipeline='builtin.module(size-buffers)'

// expected-error @+1 {{size-buffers needs a folded network with reach probabilities: run annotate-exit-probabilities (or fold with exit_probabilities) and fold first}}
func.func @unfolded(%x: tensor<8xf32>) -> tensor<8xf32> {
  %r = "atheena.relu"(%x) {reach_probability = 1.0 : f64} : (tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// RUN: not atheena-opt %inputs/tiny-ee.folded.mlir --pass-pipeline='builtin.module(size-buffers{max_loss=1.5})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=LOSS
// LOSS: tiny-ee.folded.mlir:4:1: error: max_loss 1.5 must be in (0, 1), e.g. 0.02 for 2%
