// Global average pooling comes from AdaptiveAvgPool2d(1), from x.mean((2, 3)) (without keepdim: the op
// and a flatten) and from an AvgPool2d whose window is the whole map (any stride); all become
// atheena.global_avg_pool2d, C x H x W -> C x 1 x 1.
// RUN: atheena import %inputs/global_pool_nets.py:Adaptive -q | atheena-opt --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s
// RUN: atheena import %inputs/global_pool_nets.py:WholeMap -q | atheena-opt --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s
// RUN: atheena import %inputs/global_pool_nets.py:Mean -q | atheena-opt --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s

// CHECK-LABEL: func.func @forward(%arg0: tensor<2x7x8xf32>) -> tensor<4xf32>
// CHECK-NEXT: "atheena.conv2d"(%arg0)
// CHECK-NEXT: %[[R:.*]] = "atheena.relu"
// CHECK-NEXT: %[[P:.*]] = "atheena.global_avg_pool2d"(%[[R]]) : (tensor<3x5x6xf32>) -> tensor<3x1x1xf32>
// CHECK-NEXT: %[[F:.*]] = "atheena.flatten"(%[[P]]) : (tensor<3x1x1xf32>) -> tensor<3xf32>
// CHECK-NEXT: "atheena.linear"(%[[F]]) {{.*}} : (tensor<3xf32>) -> tensor<4xf32>
// CHECK-NOT: avg_pool2d
