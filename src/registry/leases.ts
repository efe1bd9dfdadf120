/**
 * Leases: what one gateway instance holds for a while so that another does not do the same work
 * (spec 10) — a message being judged (`message:<sha256>`), a periodic pass (`expiry`). A lease is
 * taken when free, expired or already the holder's (then renewed); a killed holder's lease
 * expires and another instance takes the work over. Correctness never rests on a lease alone:
 * the lot's transaction recognises a committed message, the expiry selects inside its
 * transaction; a lease only keeps instances from doing the same work twice.
 */

export interface LeasesRegistry {
  /** Takes or renews lease `name` for `holder` until `until`; false when another holder has it. */
  takeLease(name: string, holder: string, now: Date, until: Date): Promise<boolean>;
  /** Gives the lease up, if `holder` still has it. */
  releaseLease(name: string, holder: string): Promise<void>;
}
