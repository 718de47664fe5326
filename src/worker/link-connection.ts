import type { Socket } from 'node:net';
import { encodeBinaryCommandFrame } from '../protocol/binary-command.js';
import { encodeQueryFrame } from '../protocol/command-codec.js';
import { CommandOp, FRAME_HEADER_SIZE, FrameType } from '../protocol/constants.js';
import { encodeAck } from '../protocol/event-codec.js';
import { encodeFrame } from '../protocol/frame-encoder.js';
import { encodeSessionPatchData, type SessionPatch } from '../protocol/session-patch.js';
import type { Logger } from '../log/logger.js';
import { turnCorker } from '../util/turn-corker.js';

/** The bound on what one link may have queued, and the process's counters of its hits. */
export interface LinkOutputBound {
  /** Bytes queued in the socket (not yet read by the gateway) at most; a link with nothing queued always takes one frame. */
  limit: number;
  policy: 'close' | 'drop';
  counters: { drops: number; closes: number };
}

/**
 * One open link to a gateway (after the handshake). A gateway restart or a
 * reconnect makes a new LinkConnection: patch ids and pinned clients belong to
 * one connection and die with it.
 *
 * Output is corked per event-loop turn (see turn-corker.ts). Acks are
 * collected and written as the last frame of the socket's next uncork, in the
 * same writev as the commands their handlers issued to this gateway: an
 * event's Ack always follows its commands, and a worker killed after a reply
 * left cannot leave that event unacknowledged (its handler run again).
 *
 * What a gateway has not read stays in the socket's queue, bounded by
 * `worker.linkOutputLimit`. Past it, policy `close` ends the link (the queued
 * commands are lost with it, but so are the acks behind them: the gateway
 * redelivers those events, and their handlers run again), policy `drop` drops
 * new commands (counted, logged once per episode) and keeps the link; acks,
 * session patches and queries are never dropped (a lost patch would split the
 * session between gateway and worker; they are bounded by the credits).
 */
export class LinkConnection {
  readonly gatewayId: string;
  readonly linkId: number;
  /** Where the link goes, for logs. */
  readonly address: string;
  readonly maxFrameSize: number;
  /** The protocol version of this link (the gateway's Hello decided it). */
  readonly protocolVersion: number;
  #open = true;
  #socket: Socket;
  #logger: Logger;
  #lastPatchId = 0;
  #acks: number[] = [];
  #ackScheduled = false;
  readonly #bound: LinkOutputBound;
  /** Commands were dropped since the queue was last under half the limit (logged once). */
  #dropping = false;
  /** Commands that could not be written (link closed, frame too large). */
  dropped = 0;
  /** Drain was sent on this link. */
  drainSent = false;
  /** The gateway answered Drained: nothing of ours is pinned or unacked there. */
  drained = false;

  constructor(
    socket: Socket,
    fields: {
      gatewayId: string;
      linkId: number;
      address: string;
      maxFrameSize: number;
      protocolVersion: number;
      logger: Logger;
      output?: LinkOutputBound;
    },
  ) {
    this.#socket = socket;
    this.gatewayId = fields.gatewayId;
    this.linkId = fields.linkId;
    this.address = fields.address;
    this.maxFrameSize = fields.maxFrameSize;
    this.protocolVersion = fields.protocolVersion;
    this.#logger = fields.logger;
    this.#bound = fields.output ?? { limit: Number.MAX_SAFE_INTEGER, policy: 'close', counters: { drops: 0, closes: 0 } };
  }

  /** Bytes written to this link that the gateway has not read yet (in the socket's queue). */
  get queuedBytes(): number {
    return this.#socket.writableLength;
  }

  get open(): boolean {
    return this.#open;
  }

  /** Called by the link when the socket closed. */
  markClosed(): void {
    this.#open = false;
    this.#acks = [];
  }

  /** Writes one command frame from a handler (header included), within the link's bound. Returns false when it was dropped. */
  #writeBounded(frame: Uint8Array): boolean {
    const queued = this.#socket.writableLength;
    if (this.#dropping && queued <= this.#bound.limit / 2) this.#dropping = false;
    if (!this.#open || queued === 0 || queued + frame.length <= this.#bound.limit) return this.write(frame);
    if (this.#bound.policy === 'close') {
      this.#bound.counters.closes++;
      this.dropped++;
      this.#logger.error(
        { gatewayId: this.gatewayId, linkId: this.linkId, queuedBytes: queued, linkOutputLimit: this.#bound.limit },
        'the gateway does not read this link: its queue would pass worker.linkOutputLimit; closing the link (the gateway redelivers the events not acked)',
      );
      this.#open = false;
      this.#acks = [];
      this.#socket.destroy();
      return false;
    }
    this.#bound.counters.drops++;
    this.dropped++;
    if (!this.#dropping) {
      this.#dropping = true;
      this.#logger.warn(
        { gatewayId: this.gatewayId, linkId: this.linkId, queuedBytes: queued, linkOutputLimit: this.#bound.limit },
        'the gateway does not read this link fast enough: dropping commands past worker.linkOutputLimit (counted in linkOutputDrops)',
      );
    }
    return false;
  }

  /** Writes one whole frame (header included), bypassing the bound (control frames, acks, patches). Returns false when it was dropped. */
  write(frame: Uint8Array): boolean {
    if (!this.#open) {
      this.dropped++;
      return false;
    }
    if (frame.length - FRAME_HEADER_SIZE + 1 > this.maxFrameSize) {
      this.dropped++;
      this.#logger.error(
        { gatewayId: this.gatewayId, bytes: frame.length, maxFrameSize: this.maxFrameSize },
        'a command is larger than the link allows; not sent',
      );
      return false;
    }
    turnCorker.write(this.#socket, frame);
    return true;
  }

  /** Writes a Command frame a pool thread encoded, within the link's bound. */
  writeCommand(frame: Uint8Array): boolean {
    return this.#writeBounded(frame);
  }

  /** The id of the next Session patch on this link (ids increase per link, from 1). */
  nextPatchId(): number {
    this.#lastPatchId = (this.#lastPatchId + 1) >>> 0;
    return this.#lastPatchId;
  }

  writeSession(clientId: string, patchId: number, patch: SessionPatch): boolean {
    const head = { c: clientId, p: patchId, k: patch.kind };
    return this.write(encodeBinaryCommandFrame(CommandOp.Session, 0, head, encodeSessionPatchData(patch)));
  }

  writeQuery(requestId: number, op: string, args: unknown[]): boolean {
    return this.write(encodeQueryFrame(requestId, op, args));
  }

  /** Stop pinning new clients here (before this worker stops). */
  writeDrain(): void {
    if (this.drainSent) return;
    this.drainSent = true;
    this.write(encodeFrame(FrameType.Drain));
  }

  ack(seqs: readonly number[]): void {
    if (!this.#open || seqs.length === 0) return;
    for (const s of seqs) this.#acks.push(s);
    if (!this.#ackScheduled) {
      this.#ackScheduled = turnCorker.beforeUncork(this.#socket, this.#flushAcks);
    }
  }

  readonly #flushAcks = (): void => {
    this.#ackScheduled = false;
    if (this.#acks.length === 0 || !this.#open) return;
    const seqs = this.#acks;
    this.#acks = [];
    this.write(encodeFrame(FrameType.Ack, encodeAck(seqs)));
  };

  /** Ends the link after what was written (stop). */
  end(): void {
    this.#flushAcks();
    this.#open = false;
    turnCorker.release(this.#socket);
    this.#socket.end();
  }
}
