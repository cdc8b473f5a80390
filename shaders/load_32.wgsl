// Input of 32-bit elements (f32, i32 or u32), read as raw words and converted to f32 here, so one
// binding type serves the three kinds. KIND is set per pipeline: 0 = f32, 1 = i32, 2 = u32.
override KIND: u32 = 0u;

@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;

fn word_to_f32(w: u32) -> f32 {
  if (KIND == 1u) { return f32(bitcast<i32>(w)); }
  if (KIND == 2u) { return f32(w); }
  return bitcast<f32>(w);
}

// Elements 4g .. 4g+3 (one 16-byte load).
fn load4(g: u32) -> vec4<f32> {
  let w = src[g];
  if (KIND == 1u) { return vec4<f32>(bitcast<vec4<i32>>(w)); }
  if (KIND == 2u) { return vec4<f32>(w); }
  return bitcast<vec4<f32>>(w);
}

// Element e.
fn load1(e: u32) -> f32 {
  return grid_scaled(e, word_to_f32(src[e >> 2u][e & 3u]));
}
