/**
 * Issuing the préavis de renouvellement (spec 5.3): for every ACTIVE demande whose anniversary is
 * `mois` months away or nearer (or past, when none was issued), once per anniversary. Run daily
 * by the daemon beside the expiry, and by `sne-gateway preavis [--date D]`. One transaction: each
 * préavis row (unique per demande and anniversary), its audit event and its mails commit together,
 * or none — so a crash never leaves a préavis issued without its mail, nor two for one anniversary.
 */
import { addMonths, parisDate } from '../../clock.js';
import { ACTEUR_PASSERELLE, type DemandeEchue } from '../../registry/model.js';
import type { Registry, RegistryReads } from '../../registry/registry.js';
import { encodeDocument } from '../documents.js';
import { demandeurRecipient, type ReplyMode } from '../ecole.js';
import { preavisMessageId } from '../message-ids.js';
import { departementOfDemande } from '../territoires.js';
import type { PreavisData } from '../types.js';

/** The audit trail's actions: issued, and accepted by a server (the proof of delivery). */
export const ACTION_PREAVIS = 'PREAVIS';
export const ACTION_PREAVIS_ACCEPTE = 'PREAVIS_ACCEPTE';

export interface PreavisSettings extends ReplyMode {
  readonly messageIdDomain: string;
  /** replies.preavisMois: how long before the anniversary (at least one month). */
  readonly preavisMois: number;
}

/** The demandes owed a préavis on `today` (`YYYY-MM-DD`, Europe/Paris). */
export async function selectPreavis(reads: Pick<RegistryReads, 'demandesSansPreavis'>, today: string, mois: number): Promise<readonly DemandeEchue[]> {
  return reads.demandesSansPreavis(addMonths(today, Math.max(1, mois)));
}

export interface IssueOptions {
  readonly acteur?: string;
  /** The instant recorded; defaults to `today` when it is a Date, else now. */
  readonly at?: Date;
}

export interface IssueSummary {
  readonly emis: number;
  /** Demandes with no lot that registered or renewed them (none to mail the préavis to). */
  readonly sansGuichet: number;
}

export async function issuePreavis(registry: Registry, today: Date | string, settings: PreavisSettings, options: IssueOptions = {}): Promise<IssueSummary> {
  const day = typeof today === 'string' ? today : parisDate(today);
  const at = options.at ?? (typeof today === 'string' ? new Date() : today);
  const acteur = options.acteur ?? ACTEUR_PASSERELLE;
  return await registry.transaction(async (tx) => {
    let emis = 0;
    let sansGuichet = 0;
    for (const { numeroUnique, dateEcheance } of await selectPreavis(tx, day, settings.preavisMois)) {
      const demande = (await tx.getDemande(numeroUnique))!;
      // The guichet that last registered or renewed it: the lot of its last CRE or REN.
      const last = [...(await tx.demandeHistory(numeroUnique))].reverse().find((e) => (e.action === 'CRE' || e.action === 'REN') && e.lotId !== undefined);
      const lot = last?.lotId === undefined ? undefined : await tx.getLot(last.lotId);
      const guichet = lot?.guichet === undefined ? undefined : await tx.getGuichet(lot.guichet);
      if (last === undefined || lot === undefined || guichet === undefined) {
        sansGuichet++;
        continue;
      }
      const data: PreavisData = {
        numeroUnique,
        reference: String(last.details?.reference ?? numeroUnique),
        dateDepot: demande.dateDepot,
        anniversaire: dateEcheance,
        guichet: { code: guichet.code, nom: guichet.nom, adresse: guichet.adresse },
        demandeur: demande.donnees.demandeur,
        issuedAt: at,
      };
      const queuedAt = at.toISOString();
      const outboxGuichet = await tx.queueReply({
        lotId: lot.id,
        kind: 'preavis',
        messageId: preavisMessageId(settings.messageIdDomain, guichet.code, numeroUnique, dateEcheance),
        // A guichet on the HTTPS channel fetches it (spec 7): stored, not mailed.
        destinataires: guichet.canal === 'https' ? [] : guichet.destinataires,
        document: encodeDocument({ kind: 'preavis', data }),
        queuedAt,
      });
      const departement = departementOfDemande(numeroUnique, demande.donnees.logementRecherche.communesSouhaitees);
      const allowed = departement !== undefined && (await tx.getTerritory(departement))?.preavisDemandeur === true;
      const mel = demandeurRecipient(demande.donnees.demandeur.mel, allowed, settings);
      const outboxDemandeur =
        mel !== undefined
          ? await tx.queueReply({
              lotId: lot.id,
              kind: 'preavis',
              messageId: preavisMessageId(settings.messageIdDomain, guichet.code, numeroUnique, dateEcheance, 'demandeur'),
              destinataires: [mel],
              document: encodeDocument({ kind: 'preavis', data, pour: 'demandeur' }),
              queuedAt,
            })
          : undefined;
      const inserted = await tx.insertPreavis({
        numeroUnique,
        anniversaire: dateEcheance,
        guichet: guichet.code,
        emisAt: queuedAt,
        outboxGuichet,
        ...(outboxDemandeur === undefined ? {} : { outboxDemandeur }),
      });
      // Selected in this transaction, so already issued means another process raced it: roll back.
      if (!inserted) throw new Error(`préavis of ${dateEcheance} already issued for a demande`);
      await tx.insertEvent({
        numeroUnique,
        action: ACTION_PREAVIS,
        acteur,
        at: queuedAt,
        details: { anniversaire: dateEcheance, guichet: guichet.code, demandeur: outboxDemandeur === undefined ? 'non' : 'oui' },
      });
      emis++;
    }
    return { emis, sansGuichet };
  });
}
