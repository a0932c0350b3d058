// Malformed atheena.global_avg_pool2d ops are rejected with a message naming the op and the problem.
// RUN: atheena-opt %s --split-input-file --verify-diagnostics

func.func @keeps_the_map(%x: tensor<8x6x6xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'atheena.global_avg_pool2d' op result shape [8] must be [8, 1, 1] (each channel's mean)}}
  %p = "atheena.global_avg_pool2d"(%x) : (tensor<8x6x6xf32>) -> tensor<8xf32>
  return %p : tensor<8xf32>
}

// -----

func.func @keeps_the_channels(%x: tensor<8x6x6xf32>) -> tensor<4x1x1xf32> {
  // expected-error @+1 {{'atheena.global_avg_pool2d' op result shape [4, 1, 1] must be [8, 1, 1] (each channel's mean)}}
  %p = "atheena.global_avg_pool2d"(%x) : (tensor<8x6x6xf32>) -> tensor<4x1x1xf32>
  return %p : tensor<4x1x1xf32>
}

// -----

func.func @needs_a_map(%x: tensor<8xf32>) -> tensor<8x1x1xf32> {
  // expected-error @+1 {{'atheena.global_avg_pool2d' op input must be a C x H x W feature map, got shape [8]}}
  %p = "atheena.global_avg_pool2d"(%x) : (tensor<8xf32>) -> tensor<8x1x1xf32>
  return %p : tensor<8x1x1xf32>
}

// -----

func.func @lanes_divide_channels(%x: tensor<8x6x6xf32>) -> tensor<8x1x1xf32> {
  // expected-error @+1 {{'atheena.global_avg_pool2d' op folding coarse = 3 is not legal here; legal values: 1, 2, 4, 8}}
  %p = "atheena.global_avg_pool2d"(%x) {folding = {coarse = 3 : i64}, interval = 96 : i64} : (tensor<8x6x6xf32>) -> tensor<8x1x1xf32>
  return %p : tensor<8x1x1xf32>
}
