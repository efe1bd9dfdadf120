/** The outbox's log lines name no recipient: a refusal's text is logged without its addresses. */
import { describe, expect, it } from 'vitest';
import { withoutAddresses } from '../../src/replies/deliver.js';

describe('what the outbox logs of a refusal', () => {
  it('keeps the server’s answer but not the addresses it quotes', () => {
    expect(withoutAddresses('550 5.1.1 <anais.lefevre@exemple.fr>: Recipient address rejected')).toBe(
      '550 5.1.1 <[adresse]>: Recipient address rejected',
    );
    expect(withoutAddresses('connect ECONNREFUSED 127.0.0.1:2525')).toBe('connect ECONNREFUSED 127.0.0.1:2525');
  });
});
