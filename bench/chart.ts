/**
 * A small SVG line chart, so that the results need no plotting library: two panels side by side, each with
 * the concurrency on the x axis and one or more series.
 */

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

export interface Panel {
  readonly title: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
}

const WIDTH = 420;
const HEIGHT = 300;
const MARGIN = { left: 56, right: 16, top: 36, bottom: 64 };

export function lineChart(panels: readonly Panel[], xLabel: string, caption: string): string {
  const width = WIDTH * panels.length;
  const body = panels.map((panel, index) => drawPanel(panel, index * WIDTH, xLabel)).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT + 24}" viewBox="0 0 ${width} ${HEIGHT + 24}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    body,
    `<text x="${width / 2}" y="${HEIGHT + 14}" text-anchor="middle" fill="#555">${escape(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function drawPanel(panel: Panel, offsetX: number, xLabel: string): string {
  const points = panel.series.flatMap((series) => series.points);
  const xs = points.map(([x]) => x);
  const xMin = Math.min(...xs, 0);
  const xMax = niceCeiling(Math.max(...xs, 1));
  const yMax = niceCeiling(Math.max(...points.map(([, y]) => y), 1));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => offsetX + MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotWidth;
  const py = (y: number) => MARGIN.top + plotHeight - (y / yMax) * plotHeight;
  const parts: string[] = [
    `<text x="${offsetX + WIDTH / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${escape(panel.title)}</text>`,
  ];
  for (let i = 0; i <= 4; i += 1) {
    const y = (yMax * i) / 4;
    parts.push(
      `<line x1="${px(xMin)}" x2="${px(xMax)}" y1="${py(y)}" y2="${py(y)}" stroke="#e4e4e4"/>`,
      `<text x="${px(xMin) - 6}" y="${py(y) + 4}" text-anchor="end">${formatTick(y)}</text>`,
    );
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    parts.push(`<text x="${px(x)}" y="${py(0) + 16}" text-anchor="middle">${x}</text>`);
  }
  parts.push(
    `<line x1="${px(xMin)}" x2="${px(xMax)}" y1="${py(0)}" y2="${py(0)}" stroke="#333"/>`,
    `<line x1="${px(xMin)}" x2="${px(xMin)}" y1="${py(0)}" y2="${py(yMax)}" stroke="#333"/>`,
    `<text x="${offsetX + MARGIN.left + plotWidth / 2}" y="${py(0) + 32}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text transform="translate(${offsetX + 14} ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escape(panel.yLabel)}</text>`,
  );
  panel.series.forEach((series, index) => {
    const path = series.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    const dash = series.dashed ? ' stroke-dasharray="5 3"' : '';
    parts.push(`<polyline points="${path}" fill="none" stroke="${series.color}" stroke-width="2"${dash}/>`);
    for (const [x, y] of series.points)
      parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${series.color}"/>`);
    const legendX = offsetX + MARGIN.left + (index % 2) * 170;
    const legendY = HEIGHT - 14 + Math.floor(index / 2) * 14 - 6;
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 18}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${series.color}" stroke-width="2"${dash}/>`,
      `<text x="${legendX + 24}" y="${legendY}">${escape(series.name)}</text>`,
    );
  });
  return parts.join('\n');
}

/** 1, 2 or 5 times a power of ten, at or above the value. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((nice) => nice >= value)!;
}

const formatTick = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
