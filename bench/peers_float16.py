"""What torch.gradient and jnp.gradient do with float16 input (README's capability table): the dtype they
return and whether they compute on the GPU. Run where torch and jax are installed (bench/device-run.sh)."""
import numpy as np

a = np.arange(10, dtype=np.float16) ** 2
print("numpy", np.__version__, np.gradient(a).dtype, np.gradient(a)[:4])
try:
    import torch

    g = torch.gradient(torch.from_numpy(a).cuda())[0]
    print("torch", torch.__version__, g.dtype, g.device, g.cpu().numpy()[:4])
except Exception as e:  # noqa: BLE001 - report whatever failed
    print("torch failed:", repr(e))
try:
    import jax
    import jax.numpy as jnp

    g = jnp.gradient(jax.device_put(a))
    print("jax", jax.__version__, g.dtype, g.devices(), np.asarray(g)[:4])
except Exception as e:  # noqa: BLE001
    print("jax failed:", repr(e))
