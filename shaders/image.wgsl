// An image's values for the gradient kernels: one f32 per pixel read from a texture, in the element order
// of an array of shape [height, width] (row-major), for elements [begin, begin + count) — a streamed
// piece's window — written from values[0] on.
//
// CHANNEL 0 is luminance, 0.299 R + 0.587 G + 0.114 B of the 0–255 values (PIL's "L" and OpenCV's grey
// conversion, unrounded); 1–4 are R, G, B or A alone. Colours are read as stored, not premultiplied by
// alpha. 8-bit textures give their 0–255 numbers exactly (ROUND: round(255·v)); float textures give 255·v.
// The image is a texture_2d<f32>, or, for video frames imported with importExternalTexture, a
// texture_external: src/gpu/shaders.ts swaps the binding and `pixel` (imageShader).

override WG: u32 = 64u;
override CHANNEL: u32 = 0u;
override ROUND: bool = true;

struct ImageParams {
  begin: u32,  // first element (pixel y·width + x) of this dispatch
  count: u32,  // elements in this dispatch
  width: u32,  // the image's width
  _pad0: u32,
}

@group(0) @binding(0) var image: texture_2d<f32>;
fn pixel(x: u32, y: u32) -> vec4<f32> { return textureLoad(image, vec2<u32>(x, y), 0); }
@group(0) @binding(1) var<storage, read_write> values: array<f32>;
@group(0) @binding(2) var<uniform> P: ImageParams;

@compute @workgroup_size(WG)
fn image_values(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + nwg.x * (wid.y + nwg.y * wid.z)) * WG + lid;
  if (t >= P.count) { return; }
  let e = P.begin + t;
  var rgba = pixel(e % P.width, e / P.width) * 255.0;
  if (ROUND) { rgba = round(rgba); }
  var v = 0.299 * rgba.r + 0.587 * rgba.g + 0.114 * rgba.b;
  if (CHANNEL == 1u) { v = rgba.r; }
  if (CHANNEL == 2u) { v = rgba.g; }
  if (CHANNEL == 3u) { v = rgba.b; }
  if (CHANNEL == 4u) { v = rgba.a; }
  values[t] = v;
}
