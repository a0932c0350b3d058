// convert-torch-to-atheena rejects what it cannot map, naming the op and why.
// RUN: atheena-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(convert-torch-to-atheena{thresholds=0.9})'

func.func @unsupported_layer(%arg0: !torch.vtensor<[1,2,2,2],f32>) -> !torch.vtensor<[1,2,2,2],f32> {
  // expected-error @+1 {{aten.sigmoid is not supported. ATHEENA maps these layers to hardware: Conv2d, BatchNorm2d after a Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d(1), ReLU, Linear, Flatten/view and Dropout}}
  %0 = torch.aten.sigmoid %arg0 : !torch.vtensor<[1,2,2,2],f32> -> !torch.vtensor<[1,2,2,2],f32>
  return %0 : !torch.vtensor<[1,2,2,2],f32>
}

// -----

func.func @dilation(%arg0: !torch.vtensor<[1,1,8,8],f32>) -> !torch.vtensor<[1,2,4,4],f32> {
  %w = torch.vtensor.literal(dense<0.5> : tensor<2x1x3x3xf32>) : !torch.vtensor<[2,1,3,3],f32>
  %none = torch.constant.none
  %int1 = torch.constant.int 1
  %int0 = torch.constant.int 0
  %int2 = torch.constant.int 2
  %s = torch.prim.ListConstruct %int1, %int1 : (!torch.int, !torch.int) -> !torch.list<int>
  %p = torch.prim.ListConstruct %int0, %int0 : (!torch.int, !torch.int) -> !torch.list<int>
  %d = torch.prim.ListConstruct %int2, %int2 : (!torch.int, !torch.int) -> !torch.list<int>
  // expected-error @+1 {{dilated convolution (dilation [2, 2]) is not supported}}
  %0 = torch.aten.conv2d %arg0, %w, %none, %s, %p, %d, %int1 : !torch.vtensor<[1,1,8,8],f32>, !torch.vtensor<[2,1,3,3],f32>, !torch.none, !torch.list<int>, !torch.list<int>, !torch.list<int>, !torch.int -> !torch.vtensor<[1,2,4,4],f32>
  return %0 : !torch.vtensor<[1,2,4,4],f32>
}

// -----

// expected-error @+1 {{the network input must be a float32 image batch of shape [1, C, H, W]}}
func.func @batch_of_two(%arg0: !torch.vtensor<[2,1,4,4],f32>) -> !torch.vtensor<[2,1,4,4],f32> {
  %0 = torch.aten.relu %arg0 : !torch.vtensor<[2,1,4,4],f32> -> !torch.vtensor<[2,1,4,4],f32>
  return %0 : !torch.vtensor<[2,1,4,4],f32>
}

// -----

// expected-error @+1 {{exit 0 returns a value of the backbone}}
func.func @exit_without_classifier(%arg0: !torch.vtensor<[1,2,2,2],f32>) -> (!torch.vtensor<[1,4],f32>, !torch.vtensor<[1,4],f32>) {
  %int1 = torch.constant.int 1
  %intm1 = torch.constant.int -1
  %x = torch.aten.flatten.using_ints %arg0, %int1, %intm1 : !torch.vtensor<[1,2,2,2],f32>, !torch.int, !torch.int -> !torch.vtensor<[1,8],f32>
  %w = torch.vtensor.literal(dense<0.5> : tensor<4x8xf32>) : !torch.vtensor<[4,8],f32>
  %b = torch.vtensor.literal(dense<0.0> : tensor<4xf32>) : !torch.vtensor<[4],f32>
  %h = torch.aten.linear %x, %w, %b : !torch.vtensor<[1,8],f32>, !torch.vtensor<[4,8],f32>, !torch.vtensor<[4],f32> -> !torch.vtensor<[1,4],f32>
  %r = torch.aten.relu %h : !torch.vtensor<[1,4],f32> -> !torch.vtensor<[1,4],f32>
  return %h, %r : !torch.vtensor<[1,4],f32>, !torch.vtensor<[1,4],f32>
}

// -----

func.func @reshape(%arg0: !torch.vtensor<[1,2,2,2],f32>) -> !torch.vtensor<[1,4,2],f32> {
  %int4 = torch.constant.int 4
  %int2 = torch.constant.int 2
  %int1 = torch.constant.int 1
  %shape = torch.prim.ListConstruct %int1, %int4, %int2 : (!torch.int, !torch.int, !torch.int) -> !torch.list<int>
  // expected-error @+1 {{reshape [2, 2, 2] -> [4, 2] is not supported; only flattening a feature map into a vector is}}
  %0 = torch.aten.view %arg0, %shape : !torch.vtensor<[1,2,2,2],f32>, !torch.list<int> -> !torch.vtensor<[1,4,2],f32>
  return %0 : !torch.vtensor<[1,4,2],f32>
}

// -----

// expected-error @+1 {{no function with torch-dialect ops found}}
module {
  func.func @empty(%arg0: tensor<4xf32>) -> tensor<4xf32> {
    return %arg0 : tensor<4xf32>
  }
}

// -----

func.func @adaptive_pool_to_more_than_one_pixel(%arg0: !torch.vtensor<[1,3,4,4],f32>) -> !torch.vtensor<[1,3,2,2],f32> {
  %int2 = torch.constant.int 2
  %size = torch.prim.ListConstruct %int2, %int2 : (!torch.int, !torch.int) -> !torch.list<int>
  // expected-error @+1 {{adaptive average pooling to [2, 2] is not supported; only to 1 x 1 (global average pooling, AdaptiveAvgPool2d(1))}}
  %0 = torch.aten.adaptive_avg_pool2d %arg0, %size : !torch.vtensor<[1,3,4,4],f32>, !torch.list<int> -> !torch.vtensor<[1,3,2,2],f32>
  return %0 : !torch.vtensor<[1,3,2,2],f32>
}

// -----

func.func @mean_over_channels(%arg0: !torch.vtensor<[1,3,4,4],f32>) -> !torch.vtensor<[1,4,4],f32> {
  %int1 = torch.constant.int 1
  %false = torch.constant.bool false
  %none = torch.constant.none
  %dims = torch.prim.ListConstruct %int1 : (!torch.int) -> !torch.list<int>
  // expected-error @+1 {{mean over dims [1] is not supported; only over the two spatial dims, x.mean((2, 3)) (global average pooling)}}
  %0 = torch.aten.mean.dim %arg0, %dims, %false, %none : !torch.vtensor<[1,3,4,4],f32>, !torch.list<int>, !torch.bool, !torch.none -> !torch.vtensor<[1,4,4],f32>
  return %0 : !torch.vtensor<[1,4,4],f32>
}
