/**
 * `sne-gateway gestionnaires add|list|disable|password`: the accounts of the web console
 * (src/console/). A gestionnaire sees and acts on the guichets of their départements only. The
 * password is asked on the terminal without echo, or read from SNE_GATEWAY_GESTIONNAIRE_PASSWORD
 * (scripts); it is stored as its scrypt hash (src/console/password.ts).
 */
import { hashPassword, MOT_DE_PASSE_MIN } from '../../console/password.js';
import { isDepartement } from '../../rules/reference/index.js';
import { banniereEcole } from '../ecole.js';
import { OperationError, UsageError, type CliContext, type RegisterCommand } from '../context.js';
import { withRegistry } from './lots.js';

export const PASSWORD_VARIABLE = 'SNE_GATEWAY_GESTIONNAIRE_PASSWORD';

/** A login name: letters, digits, `.`, `_`, `-` (it is shown in the audit trail as `gestionnaire:NOM`). */
const NOM = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function checkNom(nom: string): string {
  if (!NOM.test(nom)) throw new UsageError(`Nom « ${nom} » invalide : de 1 à 64 lettres, chiffres, « . », « _ » ou « - ».`);
  return nom;
}

/** `93,94` → ['93', '94']: départements (2A, 971), each known. */
export function parseTerritoires(text: string): string[] {
  const codes = [...new Set(text.split(',').map((c) => c.trim().toUpperCase()).filter((c) => c !== ''))];
  const unknown = codes.filter((c) => !isDepartement(c));
  if (codes.length === 0 || unknown.length > 0) {
    throw new UsageError(`--territoires : des numéros de département séparés par des virgules sont attendus (93,94 ; 2A ; 971)${unknown.length > 0 ? ` ; inconnus : ${unknown.join(', ')}` : ''}.`);
  }
  return codes.sort();
}

/** Reads a line from the terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let line = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new OperationError('Interrompu.'));
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
        else line += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The new password: from the environment, else asked twice on the terminal. */
export async function newPassword(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let password = env[PASSWORD_VARIABLE];
  if (password === undefined) {
    if (!process.stdin.isTTY) throw new UsageError(`Pas de terminal pour saisir le mot de passe : donnez-le dans ${PASSWORD_VARIABLE}.`);
    password = await askHidden('Mot de passe : ');
    if ((await askHidden('Confirmez le mot de passe : ')) !== password) throw new OperationError('Les deux saisies diffèrent : rien n’est changé.');
  }
  if ([...password].length < MOT_DE_PASSE_MIN) throw new UsageError(`Mot de passe trop court : ${MOT_DE_PASSE_MIN} caractères au moins.`);
  return password;
}

async function add(context: CliContext, nom: string, options: { territoires: string }): Promise<void> {
  checkNom(nom);
  const territoires = parseTerritoires(options.territoires);
  await withRegistry(context, async (registry) => {
    if (await registry.getGestionnaire(nom)) throw new OperationError(`Le gestionnaire ${nom} existe déjà (gestionnaires password ${nom} pour changer son mot de passe).`);
    const motDePasse = await hashPassword(await newPassword());
    const at = context.clock().now().toISOString();
    if (!(await registry.addGestionnaire({ nom, territoires, motDePasse, actif: true, creeAt: at, modifieAt: at }))) {
      throw new OperationError(`Le gestionnaire ${nom} existe déjà.`);
    }
    context.out(`✔ gestionnaire ${nom} créé (départements ${territoires.join(', ')}) : il peut se connecter à la console.`);
  });
}

async function list(context: CliContext, options: { json?: boolean }): Promise<void> {
  const comptes = await withRegistry(context, (registry) => registry.listGestionnaires());
  const visibles = comptes.map(({ motDePasse: _m, ...compte }) => compte);
  if (options.json) return context.out(JSON.stringify(visibles, null, 2));
  if (visibles.length === 0) return context.out('Aucun gestionnaire : créez le premier avec « sne-gateway gestionnaires add NOM --territoires 93 ».');
  for (const g of visibles) context.out(`${g.nom}\t${g.territoires.join(',')}\t${g.actif ? 'actif' : 'désactivé'}\t(modifié le ${g.modifieAt.slice(0, 10)})`);
}

async function change(context: CliContext, nom: string, what: 'disable' | 'password'): Promise<void> {
  await withRegistry(context, async (registry) => {
    if (!(await registry.getGestionnaire(nom))) throw new OperationError(`Gestionnaire ${nom} inconnu (voir « sne-gateway gestionnaires list »).`);
    const modifieAt = context.clock().now().toISOString();
    if (what === 'disable') {
      await registry.updateGestionnaire(nom, { actif: false, modifieAt });
      context.out(`✔ gestionnaire ${nom} désactivé : il ne peut plus se connecter, ses sessions ouvertes sont refusées.`);
    } else {
      // A new password enables the account again.
      await registry.updateGestionnaire(nom, { motDePasse: await hashPassword(await newPassword()), actif: true, modifieAt });
      context.out(`✔ mot de passe de ${nom} changé ; ses sessions ouvertes sont refusées.`);
    }
  });
}

export const registerGestionnaires: RegisterCommand = (program, context) => {
  const cmd = program.command('gestionnaires').description('comptes des gestionnaires territoriaux sur la console web');
  cmd
    .command('add')
    .argument('<nom>', 'nom de connexion (lettres, chiffres, . _ -)')
    .requiredOption('--territoires <departements>', 'départements dont il voit les guichets, séparés par des virgules (93,94)')
    .description(`crée un compte ; le mot de passe est demandé au terminal, ou lu dans ${PASSWORD_VARIABLE}`)
    .action(async (nom: string, options: { territoires: string }) => add(context, nom, options));
  cmd
    .command('list')
    .hook('preAction', banniereEcole(context))
    .description('liste les comptes : nom, départements, état')
    .option('--json', 'sortie JSON')
    .action(async (options: { json?: boolean }) => list(context, options));
  cmd
    .command('disable')
    .argument('<nom>')
    .description('désactive un compte (il ne peut plus se connecter)')
    .action(async (nom: string) => change(context, checkNom(nom), 'disable'));
  cmd
    .command('password')
    .argument('<nom>')
    .description(`change le mot de passe d’un compte (et le réactive) ; demandé au terminal, ou lu dans ${PASSWORD_VARIABLE}`)
    .action(async (nom: string) => change(context, checkNom(nom), 'password'));
};
