// tf.train.QueueRunner: keeps a queue filled by running its enqueue ops in loops ("threads":
// async loops in this process, concurrent with the training steps), with TF's rules for ending:
// an enqueue that fails with OutOfRangeError (its input is exhausted) ends its loop and, once the
// last loop of a session has ended, closes the queue; a stop request cancels the queue.

import { OutOfRangeError } from "../framework/errors.js";
import { GraphKeys, getDefaultGraph, type Operation } from "../framework/graph.js";
import type { QueueBase } from "../ops/data_flow_ops.js";
import type { Session } from "../runtime/session.js";
import { AsyncThread, type Coordinator } from "./coordinator.js";

type ErrorClass = abstract new (...args: never[]) => Error;

export interface QueueRunnerOptions {
  /** Closes the queue when the input is exhausted; default queue.close(). */
  closeOp?: Operation;
  /** Closes the queue and cancels pending enqueues on a stop request; default queue.close(true). */
  cancelOp?: Operation;
  /** Errors of an enqueue that mean "the input is done" (default OutOfRangeError). */
  queueClosedExceptionTypes?: readonly ErrorClass[];
}

/** tf.train.QueueRunner(queue, enqueueOps, { closeOp, cancelOp, queueClosedExceptionTypes }). */
export class QueueRunner {
  readonly queue: QueueBase;
  readonly enqueueOps: readonly Operation[];
  readonly closeOp: Operation;
  readonly cancelOp: Operation;
  private readonly closedTypes: readonly ErrorClass[];
  private readonly runsPerSession = new Map<Session, number>();
  /** Errors the loops hit when they had no coordinator to report to. */
  exceptionsRaised: unknown[] = [];

  constructor(
    queue: QueueBase,
    enqueueOps: readonly Operation[],
    options: QueueRunnerOptions = {},
  ) {
    if (enqueueOps.length === 0) throw new Error("QueueRunner needs at least one enqueue op");
    this.queue = queue;
    this.enqueueOps = [...enqueueOps];
    this.closeOp = options.closeOp ?? queue.close();
    this.cancelOp = options.cancelOp ?? queue.close({ cancelPendingEnqueues: true });
    this.closedTypes = options.queueClosedExceptionTypes ?? [OutOfRangeError];
  }

  /** The queue's name (TF's queue_runner.name). */
  get name(): string {
    return this.queue.name;
  }

  private async loop(sess: Session, enqueueOp: Operation, coord?: Coordinator): Promise<void> {
    let decremented = false;
    const done = () => {
      this.runsPerSession.set(sess, (this.runsPerSession.get(sess) ?? 1) - 1);
      decremented = true;
      return this.runsPerSession.get(sess) === 0;
    };
    try {
      for (;;) {
        if (coord?.shouldStop()) break;
        try {
          await sess.run(enqueueOp);
        } catch (e) {
          if (!this.closedTypes.some((c) => e instanceof c)) throw e;
          // The input is exhausted: the last loop of this session closes the queue.
          if (done()) await sess.run(this.closeOp).catch(() => {});
          return;
        }
      }
    } catch (e) {
      if (coord) coord.requestStop(e);
      else this.exceptionsRaised.push(e);
    } finally {
      if (!decremented) done();
    }
  }

  /**
   * One thread per enqueue op (and, with a coordinator, one that cancels the queue when a stop
   * is requested), registered with `coord`; started when `start`. None if this session's
   * threads are still running.
   */
  createThreads(
    sess: Session,
    options: { coord?: Coordinator; start?: boolean } = {},
  ): AsyncThread[] {
    const { coord, start = false } = options;
    if ((this.runsPerSession.get(sess) ?? 0) > 0) return [];
    this.runsPerSession.set(sess, this.enqueueOps.length);
    this.exceptionsRaised = [];
    const threads = this.enqueueOps.map(
      (op) =>
        new AsyncThread(() => this.loop(sess, op, coord), {
          name: `QueueRunnerThread-${this.name}-${op.name}`,
        }),
    );
    if (coord) {
      threads.push(
        new AsyncThread(
          async () => {
            await coord.waitForStop();
            await sess.run(this.cancelOp).catch(() => {});
          },
          { name: `QueueRunnerThread-${this.name}-${this.cancelOp.name}` },
        ),
      );
    }
    for (const t of threads) {
      coord?.registerThread(t);
      if (start) t.start();
    }
    return threads;
  }
}

/** Adds `qr` to the graph's QUEUE_RUNNERS collection (or `collection`). */
export function addQueueRunner(
  qr: QueueRunner,
  collection: string = GraphKeys.QUEUE_RUNNERS,
): void {
  qr.queue.queueRef.graph.addToCollection(collection, qr);
}

/**
 * Starts the threads of every queue runner of the session's graph (its QUEUE_RUNNERS
 * collection, or `collection`), registered with `coord`; returns the threads.
 */
export function startQueueRunners(
  sess: Session,
  coord?: Coordinator,
  options: { collection?: string; start?: boolean } = {},
): AsyncThread[] {
  const graph = sess.graph ?? getDefaultGraph();
  const runners = graph.getCollection<QueueRunner>(options.collection ?? GraphKeys.QUEUE_RUNNERS);
  return runners.flatMap((qr) => qr.createThreads(sess, { coord, start: options.start ?? true }));
}
