/** Canvas drawing for the demo: colour maps, heatmaps, arrows and a small line plot. */

// Viridis, sampled at 9 points and interpolated.
const VIRIDIS = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

export function viridis(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u)),
    f = u - i;
  const a = VIRIDIS[i],
    b = VIRIDIS[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

export function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5) * 255, f(3) * 255, f(1) * 255];
}

/** Fits a canvas's backing store to its CSS size and the device pixel ratio; returns the 2-D context. */
export function fitCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D {
  const ratio = Math.min(2, window.devicePixelRatio || 1);
  canvas.width = Math.round(cssWidth * ratio);
  canvas.height = Math.round(cssHeight * ratio);
  canvas.style.aspectRatio = `${cssWidth} / ${cssHeight}`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/** Paints rows×cols values as an image of that size (one pixel each) through `color`. */
export function paintPixels(canvas: HTMLCanvasElement, rows: number, cols: number, color: (i: number) => [number, number, number]): void {
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const [r, g, b] = color(i);
    img.data[4 * i] = r;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = b;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

export function range(values: ArrayLike<number>): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** Heatmap of an n×n field with an arrow per cell (gx along columns, gy along rows, y drawn upwards). */
export function drawQuiver(
  ctx: CanvasRenderingContext2D,
  size: number,
  n: number,
  field: ArrayLike<number>,
  gx: ArrayLike<number>,
  gy: ArrayLike<number>,
  arrowScale: number,
): void {
  const cell = size / n;
  const [lo, hi] = range(field);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const [R, G, B] = viridis((field[r * n + c] - lo) / (hi - lo || 1));
      ctx.fillStyle = `rgb(${R | 0},${G | 0},${B | 0})`;
      ctx.fillRect(c * cell, (n - 1 - r) * cell, cell + 0.5, cell + 0.5);
    }
  }
  ctx.strokeStyle = 'rgba(255,255,255,0.95)';
  ctx.fillStyle = 'rgba(255,255,255,0.95)';
  ctx.lineWidth = Math.max(1, cell / 14);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const i = r * n + c;
      const dx = gx[i] * arrowScale,
        dy = -gy[i] * arrowScale; // screen y points down
      const x0 = (c + 0.5) * cell,
        y0 = (n - 1 - r + 0.5) * cell;
      const len = Math.hypot(dx, dy);
      if (!(len > 0.5)) continue;
      const x1 = x0 + dx,
        y1 = y0 + dy,
        head = Math.min(len * 0.4, cell * 0.35);
      const a = Math.atan2(dy, dx);
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(x1, y1);
      ctx.lineTo(x1 - head * Math.cos(a - 0.45), y1 - head * Math.sin(a - 0.45));
      ctx.lineTo(x1 - head * Math.cos(a + 0.45), y1 - head * Math.sin(a + 0.45));
      ctx.closePath();
      ctx.fill();
    }
  }
}

export interface Series {
  label: string;
  color: string;
  x: number[];
  y: number[];
  style: 'line' | 'points' | 'cross';
}

/** A small line/point plot with axes and a legend. */
export function drawPlot(ctx: CanvasRenderingContext2D, width: number, height: number, series: Series[]): void {
  const pad = { l: 40, r: 10, t: 10, b: 26 };
  const xs = series.flatMap((s) => s.x),
    ys = series.flatMap((s) => s.y);
  const [x0, x1] = range(xs);
  let [y0, y1] = range(ys);
  const margin = (y1 - y0) * 0.08 || 1;
  y0 -= margin;
  y1 += margin;
  const px = (x: number) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (width - pad.l - pad.r);
  const py = (y: number) => height - pad.b - ((y - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  ctx.clearRect(0, 0, width, height);
  ctx.strokeStyle = '#999';
  ctx.fillStyle = '#444';
  ctx.lineWidth = 1;
  ctx.font = '11px system-ui, sans-serif';
  ctx.beginPath();
  ctx.moveTo(pad.l, pad.t);
  ctx.lineTo(pad.l, height - pad.b);
  ctx.lineTo(width - pad.r, height - pad.b);
  ctx.stroke();
  for (let k = 0; k <= 4; k++) {
    const yv = y0 + ((y1 - y0) * k) / 4;
    ctx.fillText(yv.toFixed(1), 4, py(yv) + 4);
  }
  for (const x of [...new Set(xs)]) ctx.fillText(String(x), px(x) - 3, height - 8);
  series.forEach((s, k) => {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 2;
    if (s.style === 'line') {
      ctx.beginPath();
      s.x.forEach((x, i) => (i ? ctx.lineTo(px(x), py(s.y[i])) : ctx.moveTo(px(x), py(s.y[i]))));
      ctx.stroke();
    } else {
      s.x.forEach((x, i) => {
        const X = px(x),
          Y = py(s.y[i]);
        if (s.style === 'points') {
          ctx.beginPath();
          ctx.arc(X, Y, 4.5, 0, 2 * Math.PI);
          ctx.fill();
        } else {
          ctx.beginPath();
          ctx.moveTo(X - 5, Y - 5);
          ctx.lineTo(X + 5, Y + 5);
          ctx.moveTo(X + 5, Y - 5);
          ctx.lineTo(X - 5, Y + 5);
          ctx.stroke();
        }
      });
    }
    ctx.fillText(s.label, pad.l + 8, pad.t + 12 + 14 * k);
  });
}
