// B-AlexNet (CIFAR-10): shapes of the shared block, the exit and the backbone.
// RUN: atheena import --example b-alexnet -q | atheena-opt --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s

// CHECK-LABEL: func.func @forward(%arg0: tensor<3x32x32xf32>) -> tensor<10xf32>
// CHECK-NEXT: "atheena.conv2d"{{.*}}kernel = array<i64: 5, 5>, padding = array<i64: 2, 2>{{.*}} -> tensor<32x32x32xf32>
// CHECK-NEXT: "atheena.relu"
// CHECK-NEXT: "atheena.max_pool2d"{{.*}}kernel = array<i64: 3, 3>{{.*}}stride = array<i64: 2, 2>{{.*}} -> tensor<32x15x15xf32>
// CHECK-NEXT: "atheena.split"
// CHECK: "atheena.max_pool2d"{{.*}} -> tensor<32x3x3xf32>
// CHECK: "atheena.linear"{{.*}} : (tensor<288xf32>) -> tensor<10xf32>
// CHECK: "atheena.exit_decision"{{.*}}threshold = 6.000000e-01
// CHECK-COUNT-2: "atheena.conditional_buffer"
// CHECK: "atheena.max_pool2d"{{.*}} -> tensor<64x7x7xf32>
// CHECK: "atheena.conv2d"{{.*}} -> tensor<96x7x7xf32>
// CHECK: "atheena.conv2d"{{.*}} -> tensor<96x7x7xf32>
// CHECK: "atheena.conv2d"{{.*}} -> tensor<64x7x7xf32>
// CHECK: "atheena.max_pool2d"{{.*}} -> tensor<64x3x3xf32>
// CHECK: "atheena.linear"{{.*}} : (tensor<576xf32>) -> tensor<256xf32>
// CHECK: "atheena.linear"{{.*}} : (tensor<256xf32>) -> tensor<128xf32>
// CHECK: "atheena.linear"{{.*}} : (tensor<128xf32>) -> tensor<10xf32>
// CHECK-NEXT: "atheena.exit_merge"
