// Every atheena op parses, verifies and prints back to text that parses again
// to the same text (round trip).
// RUN: atheena-opt %s | FileCheck %s
// RUN: atheena-opt %s | atheena-opt | FileCheck %s
// RUN: atheena-opt %s -o %t.mlir && atheena-opt %t.mlir > %t2.mlir && diff %t.mlir %t2.mlir

// CHECK-LABEL: func.func @tiny
// CHECK: "atheena.conv2d"(%arg0) {bias = dense<0.000000e+00> : tensor<2xf32>, groups = 1 : i64, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>, weights = dense<1.250000e-01> : tensor<2x1x3x3xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
// CHECK: "atheena.relu"
// CHECK: "atheena.split"({{.*}}) : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
// CHECK: "atheena.avg_pool2d"{{.*}}kernel = array<i64: 2, 2>
// CHECK: "atheena.flatten"{{.*}}(tensor<2x2x2xf32>) -> tensor<8xf32>
// CHECK: "atheena.linear"
// CHECK: "atheena.exit_decision"({{.*}}) {exit = 0 : i64, threshold = 9.000000e-01 : f64} : (tensor<3xf32>) -> tensor<i1>
// CHECK: "atheena.conditional_buffer"({{.*}}) {exit = 0 : i64, mode = "drop_on_exit"}
// CHECK: "atheena.conditional_buffer"({{.*}}) {exit = 0 : i64, mode = "forward_on_exit"}
// CHECK: "atheena.max_pool2d"
// CHECK: "atheena.exit_merge"({{.*}}) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
func.func @tiny(%x: tensor<1x4x4xf32>) -> tensor<3xf32> {
  %c = "atheena.conv2d"(%x) {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, groups = 1 : i64,
         weights = dense<0.125> : tensor<2x1x3x3xf32>, bias = dense<0.0> : tensor<2xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %r = "atheena.relu"(%c) : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s:2 = "atheena.split"(%r) : (tensor<2x4x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>)
  %p = "atheena.avg_pool2d"(%s#0) {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %f = "atheena.flatten"(%p) : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %l = "atheena.linear"(%f) {weights = dense<0.5> : tensor<3x8xf32>, bias = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %ls:2 = "atheena.split"(%l) : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %d = "atheena.exit_decision"(%ls#0) {threshold = 0.9 : f64, exit = 0 : i64} : (tensor<3xf32>) -> tensor<i1>
  %ds:2 = "atheena.split"(%d) : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
  %onward = "atheena.conditional_buffer"(%s#1, %ds#0) {mode = "drop_on_exit", exit = 0 : i64} : (tensor<2x4x4xf32>, tensor<i1>) -> tensor<2x4x4xf32>
  %early = "atheena.conditional_buffer"(%ls#1, %ds#1) {mode = "forward_on_exit", exit = 0 : i64} : (tensor<3xf32>, tensor<i1>) -> tensor<3xf32>
  %m = "atheena.max_pool2d"(%onward) {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  %f2 = "atheena.flatten"(%m) : (tensor<2x2x2xf32>) -> tensor<8xf32>
  %l2 = "atheena.linear"(%f2) {weights = dense<0.25> : tensor<3x8xf32>, bias = dense<0.0> : tensor<3xf32>} : (tensor<8xf32>) -> tensor<3xf32>
  %out = "atheena.exit_merge"(%early, %l2) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %out : tensor<3xf32>
}
