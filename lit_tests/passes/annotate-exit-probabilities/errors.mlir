// annotate-exit-probabilities fails, naming the problem, on a network whose input is not the
// size of the data's images, on a module with more than one network, and on a data folder
// that does not exist.
// RUN: atheena-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(annotate-exit-probabilities{samples=4})'

// expected-error @+1 {{the data's images are 1x28x28 but the network expects 1x4x4; profile it with data of the network's input size}}
func.func @small_input(%x: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %c = "atheena.conv2d"(%x) {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, groups = 1 : i64,
         weights = dense<0.125> : tensor<2x1x3x3xf32>, bias = dense<0.0> : tensor<2xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %f = "atheena.flatten"(%c) : (tensor<2x4x4xf32>) -> tensor<32xf32>
  %l = "atheena.linear"(%f) {weights = dense<0.5> : tensor<3x32xf32>, bias = dense<0.0> : tensor<3xf32>} : (tensor<32xf32>) -> tensor<3xf32>
  return %l : tensor<3xf32>
}

// -----

// expected-error @+1 {{expected one network function, found 2}}
module {
  func.func @a(%x: tensor<1x28x28xf32>) -> tensor<1x28x28xf32> {
    %r = "atheena.relu"(%x) : (tensor<1x28x28xf32>) -> tensor<1x28x28xf32>
    return %r : tensor<1x28x28xf32>
  }
  func.func @b(%x: tensor<1x28x28xf32>) -> tensor<1x28x28xf32> {
    %r = "atheena.relu"(%x) : (tensor<1x28x28xf32>) -> tensor<1x28x28xf32>
    return %r : tensor<1x28x28xf32>
  }
}

// RUN: not atheena-opt %inputs/tiny-ee.mlir --pass-pipeline='builtin.module(annotate-exit-probabilities{data=%t.nowhere})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NODATA
// NODATA: tiny-ee.mlir:4:1: error: data folder '{{.*}}.nowhere' not found; give a folder holding the MNIST IDX files (e.g. t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz)
