// Triple-Wins SmallCNN: the exit uses a stride-2 convolution and three linear layers.
// RUN: atheena import --example triple-wins -q | atheena-opt --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s

// CHECK-LABEL: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32>
// CHECK-NEXT: "atheena.conv2d"{{.*}} -> tensor<32x26x26xf32>
// CHECK-NEXT: "atheena.relu"
// CHECK-NEXT: "atheena.split"
// CHECK-NEXT: "atheena.conv2d"{{.*}}stride = array<i64: 2, 2>{{.*}} -> tensor<16x12x12xf32>
// CHECK-NEXT: "atheena.max_pool2d"{{.*}} -> tensor<16x6x6xf32>
// CHECK-NEXT: "atheena.flatten"{{.*}} -> tensor<576xf32>
// CHECK-NEXT: "atheena.linear"{{.*}} -> tensor<200xf32>
// CHECK-NEXT: "atheena.linear"{{.*}} -> tensor<200xf32>
// CHECK-NEXT: "atheena.linear"{{.*}} -> tensor<10xf32>
// CHECK: "atheena.exit_decision"
// CHECK: "atheena.max_pool2d"{{.*}} -> tensor<64x4x4xf32>
// CHECK: "atheena.linear"{{.*}} : (tensor<1024xf32>) -> tensor<200xf32>
// CHECK: "atheena.exit_merge"
