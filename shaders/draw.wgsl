// Draws an image's gradient into a caller's rgba8unorm storage texture, without reading anything back:
// STYLE 0 the magnitude as grey, STYLE 1 the direction as hue with the magnitude as brightness. Values
// are divided by D.scale, or, when it is 0, by the largest magnitude of the previous draw (`previous`);
// every draw records its own largest magnitude in `next` (atomicMax on the bits of a non-negative f32,
// which order like the floats), which the host copies to `previous` after the pass.

override WG: u32 = 64u;
override STYLE: u32 = 0u;

struct DrawParams {
  width: u32,   // pixels per row
  count: u32,   // pixels
  slab: u32,    // elements from d/drow to d/dcol in `grad`
  scale: f32,   // magnitude drawn at full brightness; 0: the previous draw's largest
}

@group(0) @binding(0) var<storage, read> grad: array<f32>;
@group(0) @binding(1) var canvas: texture_storage_2d<rgba8unorm, write>;
@group(0) @binding(2) var<uniform> D: DrawParams;
@group(0) @binding(3) var<storage, read> previous: array<f32>;
@group(0) @binding(4) var<storage, read_write> next: array<atomic<u32>>;

// HSV (h in turns) to RGB.
fn hsv(h: f32, s: f32, v: f32) -> vec3<f32> {
  let a = vec3<f32>(5.0, 3.0, 1.0) + h * 6.0;
  let k = a - 6.0 * floor(a / 6.0);
  return v - v * s * clamp(min(k, 4.0 - k), vec3<f32>(0.0), vec3<f32>(1.0));
}

@compute @workgroup_size(WG)
fn draw(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = (wid.x + nwg.x * (wid.y + nwg.y * wid.z)) * WG + lid;
  if (t >= D.count) { return; }
  let dy = grad[t];
  let dx = grad[D.slab + t];
  let m = sqrt(dx * dx + dy * dy);
  if (m <= 3.4e38) { atomicMax(&next[0], bitcast<u32>(m)); } // not NaN or ∞
  let scale = select(previous[0], D.scale, D.scale > 0.0);
  let v = select(0.0, clamp(m / scale, 0.0, 1.0), scale > 0.0);
  var rgb = vec3<f32>(v);
  if (STYLE == 1u) {
    // dy is exactly 0 along mirrored borders, where SwiftShader's atan2(±0, x) came out half a turn off
    // (π for x > 0, 0 for x < 0): that case is spelled out.
    let angle = select(atan2(-dy, dx), select(0.0, 3.141592653589793, dx < 0.0), dy == 0.0);
    let turns = angle / 6.283185307179586 + 1.0;
    rgb = hsv(turns - floor(turns), 1.0, v);
  }
  textureStore(canvas, vec2<u32>(t % D.width, t / D.width), vec4<f32>(rgb, 1.0));
}
