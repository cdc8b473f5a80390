"""Writes sin.onnx: a one-node ONNX model, Y = Sin(X) for a float32 vector X of any length.

The interop example (onnxruntime.ts) runs it on ONNX Runtime Web's WebGPU backend to get a GPU-resident
tensor to differentiate. Encoded by hand (protobuf wire format, onnx.proto field numbers) so that the
script needs no `onnx` package: python3 examples/interop/make_model.py
"""
from pathlib import Path


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, value) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


FLOAT = 1


def vector(name: str) -> bytes:
    """ValueInfoProto: a float32 tensor of shape [n], n symbolic."""
    dim = field(2, 'n')                                   # Dimension.dim_param
    shape = field(1, dim)                                 # TensorShapeProto.dim
    tensor = field(1, FLOAT) + field(2, shape)            # TypeProto.Tensor: elem_type, shape
    return field(1, name) + field(2, field(1, tensor))    # ValueInfoProto: name, type.tensor_type


node = field(1, 'X') + field(2, 'Y') + field(3, 'sin') + field(4, 'Sin')
graph = field(1, node) + field(2, 'sin') + field(11, vector('X')) + field(12, vector('Y'))
model = (field(1, 8)                                      # ir_version
         + field(2, 'webgpu-gradient examples')           # producer_name
         + field(7, graph)
         + field(8, field(1, '') + field(2, 13)))         # opset_import: ai.onnx 13

Path(__file__).with_name('sin.onnx').write_bytes(model)
print(f'sin.onnx: {len(model)} bytes')
