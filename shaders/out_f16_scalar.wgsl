// float16 results, one element per invocation: two neighbours share a 32-bit word, and WGSL has no
// 16-bit store. A plain store of the word would need the neighbour's half (and Metal and D3D may lose
// one of two plain stores to parts of a word; gpuweb#2112), so each invocation clears and sets only its
// own half with two atomic operations. Every atomic on the word is a whole-word read-modify-write that
// changes only the bits of one half, so the word ends with both halves whatever the interleaving, and
// the output needs no clearing first.

@group(0) @binding(3) var<storage, read_write> dst: array<atomic<u32>>;

fn store1(i: u32, v: f32) {
  let shift = (i & 1u) * 16u;
  atomicAnd(&dst[i >> 1u], ~(0xffffu << shift));
  // half_pair for its pack2x16float path (half_bits alone is the slower integer rounding).
  atomicOr(&dst[i >> 1u], (half_pair(v, 0.0) & 0xffffu) << shift);
}
