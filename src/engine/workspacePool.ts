/**
 * Workspaces handed out again instead of made anew: a checkpointed run (checkpoint.ts) makes a
 * forward and a backward pass per window, every few steps, and each pass asks its kernels for a
 * workspace (weights, chunk scratch: ~4 MB forward, ~7 MB backward for the issue-13 LSTM). The
 * wasm kernels carve those out of one shared memory and take a region back only when the pass
 * object is garbage-collected, which comes late: a run of small windows filled the whole shared
 * memory (its pages stay resident) and then made private instances. Here a pass's workspace is
 * recorded once and, after `recycle()`, the next pass of the same size gets the same arrays back
 * (zeroed, as `alloc` promises), in the same order: its numbers are those of a fresh workspace.
 */
import type { Kernels, Workspace } from './kernels';

/** One workspace of the base kernels and the arrays carved out of it, in the order they were asked for. */
class RecordedWorkspace implements Workspace {
  private readonly arrays: Float64Array[] = [];
  private next = 0;
  readonly gemmNN: Workspace['gemmNN'];
  readonly gemmNT?: Workspace['gemmNT'];
  readonly tanhInPlace?: Workspace['tanhInPlace'];
  readonly lstmCell?: Workspace['lstmCell'];
  readonly lstmBackward?: Workspace['lstmBackward'];
  readonly copyRows?: Workspace['copyRows'];
  readonly softmaxColumns?: Workspace['softmaxColumns'];
  readonly addVec?: Workspace['addVec'];
  readonly tanhBackward?: Workspace['tanhBackward'];
  readonly rowSumsAdd?: Workspace['rowSumsAdd'];

  constructor(private readonly base: Workspace) {
    // (bound once: the passes call these in their time loops)
    this.gemmNN = base.gemmNN.bind(base);
    this.gemmNT = base.gemmNT?.bind(base);
    this.tanhInPlace = base.tanhInPlace?.bind(base);
    this.lstmCell = base.lstmCell?.bind(base);
    this.lstmBackward = base.lstmBackward?.bind(base);
    this.copyRows = base.copyRows?.bind(base);
    this.softmaxColumns = base.softmaxColumns?.bind(base);
    this.addVec = base.addVec?.bind(base);
    this.tanhBackward = base.tanhBackward?.bind(base);
    this.rowSumsAdd = base.rowSumsAdd?.bind(base);
  }

  /** The next recorded array when it has this length (zeroed), else a new one from the base. */
  alloc(n: number): Float64Array {
    const i = this.next++;
    const had = this.arrays[i];
    if (had && had.length === n) {
      had.fill(0);
      return had;
    }
    // a pass asking for other sizes than the recorded one (not the case for the engine's passes,
    // whose sizes follow from the workspace's size): what follows is carved afresh
    const a = this.base.alloc(n);
    this.arrays.length = i;
    this.arrays.push(a);
    return a;
  }

  /** From the first array again (the pass that used them is done with them). */
  rewind(): void {
    this.next = 0;
  }
}

/** The kernels of a checkpointed run: its passes' workspaces come back after `recycle()`. */
export class WorkspacePool implements Kernels {
  readonly name: Kernels['name'];
  private readonly free = new Map<string, RecordedWorkspace[]>();
  private readonly leased: [string, RecordedWorkspace][] = [];

  constructor(private readonly base: Kernels) {
    this.name = base.name;
  }

  workspace(doubles: number, arrays: number): Workspace {
    const key = `${doubles}/${arrays}`;
    const ws = this.free.get(key)?.pop() ?? new RecordedWorkspace(this.base.workspace(doubles, arrays));
    ws.rewind();
    this.leased.push([key, ws]);
    return ws;
  }

  /**
   * Every workspace handed out since the last call goes back to the pool: call it when the passes
   * that asked for them are finished and nothing reads their arrays any more (a pass's caches and
   * results are ordinary arrays, not workspace memory).
   */
  recycle(): void {
    for (const [key, ws] of this.leased.splice(0)) {
      const list = this.free.get(key);
      if (list) list.push(ws);
      else this.free.set(key, [ws]);
    }
  }
}
