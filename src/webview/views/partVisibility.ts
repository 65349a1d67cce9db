/**
 * Which parts of a backward stop (protocol STEP_PARTS: the weight gradients, their running sums)
 * have cards on screen, or about to be: the panel fetches a part only while its group is within
 * MARGIN of the viewport (the cards are drawn on canvases; a group far below is not painted, so its
 * megabytes need not cross code-server's channel at every step). The `core` is always wanted.
 */
import type { StepPart } from '../../protocol/messages';

/** How far outside the viewport a group still counts as shown (fetched before it scrolls in). */
const MARGIN = '300px';

export class PartVisibility {
  private readonly shown = new Set<StepPart>();
  private readonly partOf = new Map<Element, StepPart>();
  private readonly observer: IntersectionObserver | undefined;

  /** @param changed called when a part's group comes on screen or leaves it */
  constructor(private readonly changed: () => void) {
    this.observer =
      typeof IntersectionObserver === 'function'
        ? new IntersectionObserver((entries) => this.update(entries), { rootMargin: `${MARGIN} 0px ${MARGIN} 0px` })
        : undefined;
  }

  /** The parts to fetch now: the core, and the parts whose groups are on screen. */
  wanted(): StepPart[] {
    return ['core', ...this.shown];
  }

  /** The part `part` has a group on screen. */
  isShown(part: StepPart): boolean {
    return part === 'core' || this.shown.has(part);
  }

  /** Watch these group elements (the cards were rebuilt: the old ones are gone). */
  watch(groups: ReadonlyMap<HTMLElement, StepPart>): void {
    this.observer?.disconnect();
    this.partOf.clear();
    const before = this.shown.size;
    this.shown.clear();
    for (const [el, part] of groups) {
      this.partOf.set(el, part);
      // Without IntersectionObserver (never in a webview): every part counts as shown.
      if (this.observer) this.observer.observe(el);
      else this.shown.add(part);
    }
    if (!this.observer && this.shown.size !== before) this.changed();
  }

  private update(entries: IntersectionObserverEntry[]): void {
    let changed = false;
    for (const e of entries) {
      const part = this.partOf.get(e.target);
      if (!part) continue;
      // (each part has one group: its entry says it all)
      if (e.isIntersecting && !this.shown.has(part)) {
        this.shown.add(part);
        changed = true;
      } else if (!e.isIntersecting && this.shown.delete(part)) changed = true;
    }
    if (changed) this.changed();
  }
}
