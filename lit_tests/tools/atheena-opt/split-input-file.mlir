// Each chunk is a separate module; outputs are joined with the same marker.
// RUN: atheena-opt %s --split-input-file | FileCheck %s
// CHECK: func.func @first
// CHECK: // -----
// CHECK: func.func @second
func.func @first(%x: tensor<8xf32>) -> tensor<8xf32> {
  %r = "atheena.relu"(%x) : (tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}
// -----
func.func @second(%x: tensor<8xf32>) -> tensor<8xf32> {
  return %x : tensor<8xf32>
}
