// A three-exit network: two exit decisions, four conditional buffers, one merge
// of three results; the second exit forks after the first exit's drop buffer.
// RUN: atheena import --example b-lenet-3 --thresholds 0.9,0.95 -q \
// RUN:   | atheena-opt --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s

// CHECK-LABEL: func.func @forward(%arg0: tensor<1x28x28xf32>) -> tensor<10xf32>
// CHECK-COUNT-2: "atheena.exit_decision"
// CHECK-NOT: "atheena.exit_decision"
// CHECK: return

// RUN: atheena import --example b-lenet-3 --thresholds 0.9,0.95 -q \
// RUN:   | atheena-opt --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s --check-prefix=ORDER
// ORDER: %[[F0:.*]]:2 = "atheena.split"({{.*}}) : (tensor<5x16x16xf32>)
// ORDER: "atheena.exit_decision"({{.*}}) {exit = 0 : i64, threshold = 9.000000e-01 : f64}
// ORDER: %[[ON0:.*]] = "atheena.conditional_buffer"(%[[F0]]#1, {{.*}}) {exit = 0 : i64, mode = "drop_on_exit"}
// ORDER: %[[E0:.*]] = "atheena.conditional_buffer"({{.*}}) {exit = 0 : i64, mode = "forward_on_exit"}
// ORDER: "atheena.conv2d"(%[[ON0]]) {{.*}} -> tensor<10x20x20xf32>
// ORDER: %[[F1:.*]]:2 = "atheena.split"({{.*}}) : (tensor<10x10x10xf32>)
// ORDER: "atheena.linear"{{.*}} : (tensor<250xf32>) -> tensor<10xf32>
// ORDER: "atheena.exit_decision"({{.*}}) {exit = 1 : i64, threshold = 0.94999999999999996 : f64}
// ORDER: %[[ON1:.*]] = "atheena.conditional_buffer"(%[[F1]]#1, {{.*}}) {exit = 1 : i64, mode = "drop_on_exit"}
// ORDER: %[[E1:.*]] = "atheena.conditional_buffer"({{.*}}) {exit = 1 : i64, mode = "forward_on_exit"}
// ORDER: "atheena.conv2d"(%[[ON1]]) {{.*}} -> tensor<20x12x12xf32>
// ORDER: %[[FINAL:.*]] = "atheena.linear"{{.*}} : (tensor<720xf32>) -> tensor<10xf32>
// ORDER: "atheena.exit_merge"(%[[E0]], %[[E1]], %[[FINAL]]) : (tensor<10xf32>, tensor<10xf32>, tensor<10xf32>) -> tensor<10xf32>
