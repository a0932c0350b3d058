// fold fails, naming the problem: without reach probabilities (neither profiled nor given),
// with more than one network, with a budget no folding fits in (naming the smallest budget that
// does, lane converters included: it folds there, the next line checks), and with an unknown board.
// RUN: atheena-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(fold{board=zedboard})'

// expected-error @+1 {{the network's reach probabilities are unknown: run annotate-exit-probabilities first, or give the exit probabilities (fraction of samples leaving at each exit)}}
func.func @unprofiled(%x: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %c = "atheena.conv2d"(%x) {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, groups = 1 : i64,
         weights = dense<0.125> : tensor<2x1x3x3xf32>, bias = dense<0.0> : tensor<2xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %s:2 = "atheena.split"(%c) : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %f = "atheena.flatten"(%s#0) : (tensor<2x4x4xf32>) -> tensor<32xf32>
  %l = "atheena.linear"(%f) {weights = dense<0.5> : tensor<3x32xf32>, bias = dense<0.0> : tensor<3xf32>} : (tensor<32xf32>) -> tensor<3xf32>
  %ls:2 = "atheena.split"(%l) : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %d = "atheena.exit_decision"(%ls#0) {threshold = 0.9 : f64, exit = 0 : i64} : (tensor<3xf32>) -> tensor<i1>
  %ds:2 = "atheena.split"(%d) : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %onward = "atheena.conditional_buffer"(%s#1, %ds#0) {mode = "drop_on_exit", exit = 0 : i64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %early = "atheena.conditional_buffer"(%ls#1, %ds#1) {mode = "forward_on_exit", exit = 0 : i64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %f2 = "atheena.flatten"(%onward) : (tensor<2x4x4xf32>) -> tensor<32xf32>
  %l2 = "atheena.linear"(%f2) {weights = dense<0.25> : tensor<3x32xf32>, bias = dense<0.0> : tensor<3xf32>} : (tensor<32xf32>) -> tensor<3xf32>
  %out = "atheena.exit_merge"(%early, %l2) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %out : tensor<3xf32>
}

// -----

// expected-error @+1 {{expected one network function, found 2}}
module {
  func.func @a(%x: tensor<8xf32>) -> tensor<8xf32> {
    %r = "atheena.relu"(%x) : (tensor<8xf32>) -> tensor<8xf32>
    return %r : tensor<8xf32>
  }
  func.func @b(%x: tensor<8xf32>) -> tensor<8xf32> {
    %r = "atheena.relu"(%x) : (tensor<8xf32>) -> tensor<8xf32>
    return %r : tensor<8xf32>
  }
}

// RUN: not atheena-opt %inputs/tiny-ee.profiled.mlir --pass-pipeline='builtin.module(fold{board=zedboard budget=0.08})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=TIGHT
// TIGHT: tiny-ee.profiled.mlir:5:3: error: no folding of the network fits in 8% of the ZedBoard's resources; the smallest budget that fits is 11.0% (largest share of DSP, BRAM18, LUT and FF)
// RUN: atheena-opt %inputs/tiny-ee.profiled.mlir --pass-pipeline='builtin.module(fold{board=zedboard budget=0.110})' -o /dev/null

// RUN: not atheena-opt %inputs/tiny-ee.profiled.mlir --pass-pipeline='builtin.module(fold{board=vc709})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BOARD
// BOARD: tiny-ee.profiled.mlir:5:3: error: unknown board 'vc709'; built-in boards: ecp5_versa, ulx3s_85f, zc706, zcu102, zedboard, or give the path of a board .json file (keys: name, part, clock_mhz, dsp, bram18, lut, ff)
