/**
 * The direct probe's adaptive timeout: a smoothed round trip and its variation over the acks of
 * direct pings, as TCP estimates its retransmission timeout (RFC 6298 §2), bounded by the
 * configured minimum and maximum.
 */
export class RoundTripEstimator {
  /** Smoothed round trip, ms; negative before the first sample. */
  private srtt = -1;
  /** Smoothed mean deviation of the round trip, ms. */
  private rttvar = 0;

  /**
   * One round trip of a direct ping answered before its timeout (a ping sent again is never
   * measured: its ack could answer either send, Karn's rule). Negative or non-finite times are
   * ignored.
   */
  observe(rttMs: number): void {
    if (!(rttMs >= 0 && rttMs < Infinity)) return;
    if (this.srtt < 0) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
    } else {
      this.rttvar += (Math.abs(this.srtt - rttMs) - this.rttvar) / 4;
      this.srtt += (rttMs - this.srtt) / 8;
    }
  }

  /**
   * How long to wait for a direct ack: srtt + 4·rttvar within [`minMs`, `maxMs`]; `maxMs` until
   * a round trip has been measured.
   */
  timeout(minMs: number, maxMs: number): number {
    if (this.srtt < 0) return maxMs;
    return Math.min(maxMs, Math.max(minMs, this.srtt + 4 * this.rttvar));
  }
}
