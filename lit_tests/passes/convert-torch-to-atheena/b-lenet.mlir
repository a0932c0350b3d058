// B-LeNet: one early exit after the shared conv block. The exit's fork, decision,
// the two conditional buffers and the merge are inserted around the classifier.
// RUN: atheena import --example b-lenet --emit torch -q \
// RUN:   | atheena-opt --pass-pipeline='builtin.module(convert-torch-to-atheena{thresholds=0.996})' \
// RUN:       --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s

// CHECK-LABEL: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32>
// CHECK-NEXT: %[[C0:.*]] = "atheena.conv2d"(%arg0) {{.*}}kernel = array<i64: 5, 5>, padding = array<i64: 4, 4>, stride = array<i64: 1, 1>{{.*}} : (tensor<1x28x28xf32>) -> tensor<5x32x32xf32>
// CHECK-NEXT: "atheena.max_pool2d"{{.*}} : (tensor<5x32x32xf32>) -> tensor<5x16x16xf32>
// CHECK-NEXT: %[[SHARED:.*]] = "atheena.relu"{{.*}} -> tensor<5x16x16xf32>
// CHECK-NEXT: %[[FORK:.*]]:2 = "atheena.split"(%[[SHARED]])
// CHECK-NEXT: "atheena.conv2d"(%[[FORK]]#0) {{.*}} : (tensor<5x16x16xf32>) -> tensor<10x16x16xf32>
// CHECK-NEXT: "atheena.max_pool2d"{{.*}} -> tensor<10x8x8xf32>
// CHECK-NEXT: "atheena.relu"
// CHECK-NEXT: "atheena.flatten"{{.*}} : (tensor<10x8x8xf32>) -> tensor<640xf32>
// CHECK-NEXT: %[[LOGITS0:.*]] = "atheena.linear"{{.*}} : (tensor<640xf32>) -> tensor<10xf32>
// CHECK-NEXT: %[[L:.*]]:2 = "atheena.split"(%[[LOGITS0]])
// CHECK-NEXT: %[[D:.*]] = "atheena.exit_decision"(%[[L]]#0) {exit = 0 : i64, threshold = 0.99599999999999999 : f64} : (tensor<10xf32>) -> tensor<i1>
// CHECK-NEXT: %[[DS:.*]]:2 = "atheena.split"(%[[D]]) : (tensor<i1>) -> (tensor<i1>, tensor<i1>)
// CHECK-NEXT: %[[ONWARD:.*]] = "atheena.conditional_buffer"(%[[FORK]]#1, %[[DS]]#0) {exit = 0 : i64, mode = "drop_on_exit"} : (tensor<5x16x16xf32>, tensor<i1>) -> tensor<5x16x16xf32>
// CHECK-NEXT: %[[EARLY:.*]] = "atheena.conditional_buffer"(%[[L]]#1, %[[DS]]#1) {exit = 0 : i64, mode = "forward_on_exit"} : (tensor<10xf32>, tensor<i1>) -> tensor<10xf32>
// CHECK-NEXT: "atheena.conv2d"(%[[ONWARD]]) {{.*}} : (tensor<5x16x16xf32>) -> tensor<10x20x20xf32>
// CHECK-NEXT: "atheena.max_pool2d"{{.*}} -> tensor<10x10x10xf32>
// CHECK-NEXT: "atheena.relu"
// CHECK-NEXT: "atheena.conv2d"{{.*}}padding = array<i64: 3, 3>{{.*}} : (tensor<10x10x10xf32>) -> tensor<20x12x12xf32>
// CHECK-NEXT: "atheena.max_pool2d"{{.*}} -> tensor<20x6x6xf32>
// CHECK-NEXT: "atheena.relu"
// CHECK-NEXT: "atheena.flatten"{{.*}} -> tensor<720xf32>
// CHECK-NEXT: %[[FINAL:.*]] = "atheena.linear"{{.*}} : (tensor<720xf32>) -> tensor<10xf32>
// CHECK-NEXT: %[[OUT:.*]] = "atheena.exit_merge"(%[[EARLY]], %[[FINAL]]) : (tensor<10xf32>, tensor<10xf32>) -> tensor<10xf32>
// CHECK-NEXT: return %[[OUT]] : tensor<10xf32>
