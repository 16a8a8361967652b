/** Scripted (failNext / failKey) and random (seeded) fault injection for the cloud APIs. */
import { errors, type ApiError } from './api-error';
import type { Rng } from './rng';
import type { Fault, RandomFaults } from './types';

interface Pending {
  remaining: number;
  readonly fault: Fault;
}

export class FaultPlan {
  private readonly queues = new Map<string, Pending[]>();
  private readonly keyFaults = new Map<string, Fault>();
  private readonly userFaults = new Map<string, Fault>();
  private random: RandomFaults;

  constructor(random: RandomFaults = {}) {
    this.random = random;
  }

  /**
   * The next `count` requests of `action` fail with `fault`. `action` is qualified ('ram:ListUsers')
   * or bare ('ListUsers', any product). Queued scripts run one after another.
   */
  failNext(action: string, count: number, fault: Fault): void {
    if (count <= 0) return;
    let queue = this.queues.get(action);
    if (!queue) {
      queue = [];
      this.queues.set(action, queue);
    }
    queue.push({ remaining: count, fault });
  }

  failKey(accessKeyId: string, fault: Fault): void {
    this.keyFaults.set(accessKeyId, fault);
  }

  setRandom(random: RandomFaults): void {
    this.random = random;
  }

  /** Consumes the scripted fault for this request, if any. */
  takeScripted(qualifiedAction: string, bareAction: string): Fault | undefined {
    return this.take(qualifiedAction) ?? this.take(bareAction);
  }

  failUser(userName: string, fault: Fault): void {
    this.userFaults.set(userName, fault);
  }

  userFault(userName: string | undefined): Fault | undefined {
    return userName === undefined ? undefined : this.userFaults.get(userName);
  }

  keyFault(accessKeyId: string | undefined): Fault | undefined {
    return accessKeyId === undefined ? undefined : this.keyFaults.get(accessKeyId);
  }

  /** A random error per the configured rates, or undefined. */
  roll(rng: Rng): ApiError | undefined {
    const throttleRate = this.random.throttleRate ?? 0;
    const serverErrorRate = this.random.serverErrorRate ?? 0;
    if (throttleRate <= 0 && serverErrorRate <= 0) return undefined;
    const r = rng();
    if (r < throttleRate) return errors.throttlingUser();
    if (r < throttleRate + serverErrorRate) return rng() < 0.5 ? errors.serviceUnavailable() : errors.internalError();
    return undefined;
  }

  private take(action: string): Fault | undefined {
    const queue = this.queues.get(action);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    if (queue.length === 0) this.queues.delete(action);
    return head.fault;
  }
}
