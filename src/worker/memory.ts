/** The worker thread's memory, sampled: the current figures and the peak of each since start. */
import type { MemorySample } from './protocol';

function sample(): MemorySample {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

export class MemoryMeter {
  peak: MemorySample;

  constructor(private readonly read: () => MemorySample = sample) {
    this.peak = read();
  }

  /** The current figures (the peak is updated with them). */
  sample(): MemorySample {
    const m = this.read();
    this.peak = {
      rss: Math.max(this.peak.rss, m.rss),
      heapUsed: Math.max(this.peak.heapUsed, m.heapUsed),
      external: Math.max(this.peak.external, m.external),
      arrayBuffers: Math.max(this.peak.arrayBuffers, m.arrayBuffers),
    };
    return m;
  }
}
