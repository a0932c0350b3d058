// A network with one result has no exits: no split, decision, buffer or merge.
// RUN: atheena import --example b-lenet-baseline -q | atheena-opt --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s

// CHECK-LABEL: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32>
// CHECK-NOT: atheena.split
// CHECK-NOT: atheena.exit_decision
// CHECK-NOT: atheena.conditional_buffer
// CHECK-NOT: atheena.exit_merge
// CHECK: "atheena.linear"{{.*}} : (tensor<720xf32>) -> tensor<10xf32>
// CHECK-NEXT: return
