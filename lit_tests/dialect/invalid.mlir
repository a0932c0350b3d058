// Malformed atheena ops are rejected with a message naming the op and the problem.
// RUN: atheena-opt %s --split-input-file --verify-diagnostics

func.func @missing_attribute(%x: tensor<1x4x4xf32>) -> tensor<1x2x2xf32> {
  // expected-error @+1 {{'atheena.max_pool2d' op attribute "stride" is expected but not provided}}
  %p = "atheena.max_pool2d"(%x) {kernel = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<1x4x4xf32>) -> tensor<1x2x2xf32>
  return %p : tensor<1x2x2xf32>
}

// -----

func.func @unknown_op(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{unregistered operation 'atheena.gelu'}}
  %y = "atheena.gelu"(%x) : (tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

func.func @wrong_operand_count(%x: tensor<8xf32>, %d: tensor<i1>) -> tensor<8xf32> {
  // expected-error @+1 {{'atheena.conditional_buffer' op expects exactly 2 operands, but got 1}}
  %y = "atheena.conditional_buffer"(%x) {mode = "drop_on_exit", exit = 0 : i64} : (tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

func.func @conv_output_shape(%x: tensor<1x4x4xf32>) -> tensor<2x3x3xf32> {
  // expected-error @+1 {{'atheena.conv2d' op output shape [2, 3, 3] does not match the window arithmetic: expected [C, 4, 4]}}
  %c = "atheena.conv2d"(%x) {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, groups = 1 : i64,
         weights = dense<0.1> : tensor<2x1x3x3xf32>, bias = dense<0.0> : tensor<2xf32>} : (tensor<1x4x4xf32>) -> tensor<2x3x3xf32>
  return %c : tensor<2x3x3xf32>
}

// -----

func.func @conv_weight_shape(%x: tensor<1x4x4xf32>) -> tensor<2x4x4xf32> {
  // expected-error @+1 {{'atheena.conv2d' op attribute 'weights' has shape [2, 1, 5, 5], expected [2, 1, 3, 3]}}
  %c = "atheena.conv2d"(%x) {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, groups = 1 : i64,
         weights = dense<0.1> : tensor<2x1x5x5xf32>, bias = dense<0.0> : tensor<2xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  return %c : tensor<2x4x4xf32>
}

// -----

func.func @conv_kernel_arity(%x: tensor<1x4x4xf32>) -> tensor<2x4x4xf32> {
  // expected-error @+1 {{'atheena.conv2d' op attribute 'kernel' must have 2 values (height, width), got 3}}
  %c = "atheena.conv2d"(%x) {kernel = array<i64: 3, 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, groups = 1 : i64,
         weights = dense<0.1> : tensor<2x1x3x3xf32>, bias = dense<0.0> : tensor<2xf32>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  return %c : tensor<2x4x4xf32>
}

// -----

func.func @linear_needs_vector(%x: tensor<1x4x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'atheena.linear' op input and result must be vectors (flatten feature maps first)}}
  %l = "atheena.linear"(%x) {weights = dense<0.5> : tensor<3x16xf32>, bias = dense<0.0> : tensor<3xf32>} : (tensor<1x4x4xf32>) -> tensor<3xf32>
  return %l : tensor<3xf32>
}

// -----

func.func @threshold_range(%x: tensor<3xf32>) -> tensor<i1> {
  // expected-error @+1 {{'atheena.exit_decision' op threshold 1.5 is outside (0, 1)}}
  %d = "atheena.exit_decision"(%x) {threshold = 1.5 : f64, exit = 0 : i64} : (tensor<3xf32>) -> tensor<i1>
  return %d : tensor<i1>
}

// -----

func.func @comparison(%x: tensor<3xf32>) -> tensor<i1> {
  // expected-error @+1 {{'atheena.exit_decision' op comparison "lt" must be "ge" (exit iff max softmax >= threshold, the default) or "gt" (exit iff max softmax > threshold)}}
  %d = "atheena.exit_decision"(%x) {threshold = 0.9 : f64, exit = 0 : i64, comparison = "lt"} : (tensor<3xf32>) -> tensor<i1>
  return %d : tensor<i1>
}

// -----

func.func @buffer_mode(%x: tensor<8xf32>, %d: tensor<i1>) -> tensor<8xf32> {
  // expected-error @+1 {{'atheena.conditional_buffer' op mode "keep" must be "drop_on_exit" or "forward_on_exit"}}
  %y = "atheena.conditional_buffer"(%x, %d) {mode = "keep", exit = 0 : i64} : (tensor<8xf32>, tensor<i1>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

func.func @flatten_size(%x: tensor<2x2x2xf32>) -> tensor<9xf32> {
  // expected-error @+1 {{'atheena.flatten' op must turn a C x H x W map into a vector of C*H*W elements}}
  %f = "atheena.flatten"(%x) : (tensor<2x2x2xf32>) -> tensor<9xf32>
  return %f : tensor<9xf32>
}

// -----

func.func @split_one_result(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'atheena.split' op must have at least 2 results}}
  %s = "atheena.split"(%x) : (tensor<8xf32>) -> (tensor<8xf32>)
  return %s : tensor<8xf32>
}

// -----

func.func @merge_types(%a: tensor<3xf32>, %b: tensor<4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'atheena.exit_merge' op expected 'tensor<3xf32>' but got 'tensor<4xf32>'}}
  %m = "atheena.exit_merge"(%a, %b) : (tensor<3xf32>, tensor<4xf32>) -> tensor<3xf32>
  return %m : tensor<3xf32>
}

// -----

func.func @fan_out_without_split(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  // expected-error @+1 {{'atheena.relu' op result #0 has 2 consumers; every stream needs exactly one consumer}}
  %r = "atheena.relu"(%x) : (tensor<8xf32>) -> tensor<8xf32>
  return %r, %r : tensor<8xf32>, tensor<8xf32>
}

// -----

func.func @pool_padding(%x: tensor<1x4x4xf32>) -> tensor<1x7x7xf32> {
  // expected-error @+1 {{'atheena.max_pool2d' op padding [2, 2] must be at most half the kernel [2, 2]}}
  %p = "atheena.max_pool2d"(%x) {kernel = array<i64: 2, 2>, stride = array<i64: 1, 1>, padding = array<i64: 2, 2>} : (tensor<1x4x4xf32>) -> tensor<1x7x7xf32>
  return %p : tensor<1x7x7xf32>
}

// -----

func.func @i32_window(%x: tensor<1x4x4xf32>) -> tensor<1x2x2xf32> {
  // expected-error @+1 {{'atheena.max_pool2d' op attribute 'kernel' must be an array<i64: ...>, got array<i32: 2, 2>}}
  %p = "atheena.max_pool2d"(%x) {kernel = array<i32: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<1x4x4xf32>) -> tensor<1x2x2xf32>
  return %p : tensor<1x2x2xf32>
}

// -----

func.func @dynamic_shape(%x: tensor<?x4x4xf32>) -> tensor<?x2x2xf32> {
  // expected-error @+1 {{'atheena.max_pool2d' op operand #0 must be a tensor with a static shape, got tensor<?x4x4xf32>}}
  %p = "atheena.max_pool2d"(%x) {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<?x4x4xf32>) -> tensor<?x2x2xf32>
  return %p : tensor<?x2x2xf32>
}

// -----

func.func @f16_weights(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'atheena.linear' op attribute 'weights' must be a dense f32 tensor}}
  %l = "atheena.linear"(%x) {weights = dense<0.5> : tensor<2x2xf16>, bias = dense<0.0> : tensor<2xf32>} : (tensor<2xf32>) -> tensor<2xf32>
  return %l : tensor<2xf32>
}

// -----

func.func @integer_stream(%x: tensor<8xi32>) -> tensor<8xi32> {
  // expected-error @+1 {{'atheena.relu' op operand #0 must hold f32 values, got tensor<8xi32>}}
  %r = "atheena.relu"(%x) : (tensor<8xi32>) -> tensor<8xi32>
  return %r : tensor<8xi32>
}

// -----

func.func @nested(%x: tensor<8xf32>, %c: i1) -> tensor<8xf32> {
  %y = scf.if %c -> tensor<8xf32> {
    // expected-error @+1 {{'atheena.relu' op must be directly in the body of a func.func (a network)}}
    %r = "atheena.relu"(%x) : (tensor<8xf32>) -> tensor<8xf32>
    scf.yield %r : tensor<8xf32>
  } else {
    scf.yield %x : tensor<8xf32>
  }
  return %y : tensor<8xf32>
}

// -----

func.func @exit_numbering(%x: tensor<3xf32>) -> tensor<i1> {
  // expected-error @+1 {{'atheena.exit_decision' op has exit = 3, but it is early exit #0 in program order}}
  %d = "atheena.exit_decision"(%x) {threshold = 0.9 : f64, exit = 3 : i64} : (tensor<3xf32>) -> tensor<i1>
  return %d : tensor<i1>
}

// -----

func.func @buffer_obeys_other_exit(%x: tensor<3xf32>, %y: tensor<8xf32>) -> tensor<8xf32> {
  %d = "atheena.exit_decision"(%x) {threshold = 0.9 : f64, exit = 0 : i64} : (tensor<3xf32>) -> tensor<i1>
  // expected-error @+1 {{'atheena.conditional_buffer' op has exit = 1 but obeys the decision of exit 0}}
  %b = "atheena.conditional_buffer"(%y, %d) {mode = "drop_on_exit", exit = 1 : i64} : (tensor<8xf32>, tensor<i1>) -> tensor<8xf32>
  return %b : tensor<8xf32>
}

// -----

func.func @decision_from_nowhere(%y: tensor<8xf32>, %d: tensor<i1>) -> tensor<8xf32> {
  // expected-error @+1 {{'atheena.conditional_buffer' op decision operand must come from an 'atheena.exit_decision'}}
  %b = "atheena.conditional_buffer"(%y, %d) {mode = "drop_on_exit", exit = 0 : i64} : (tensor<8xf32>, tensor<i1>) -> tensor<8xf32>
  return %b : tensor<8xf32>
}
