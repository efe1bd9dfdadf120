/**
 * Commander speaks English in its help and its usage errors; the gestionnaire reads French. The
 * help configuration below is set on the program before any command is added, so every
 * sub-command inherits it; `frenchError` rewrites commander's error messages as they are printed.
 */
import { Help, type Argument, type Command, type HelpConfiguration, type Option } from 'commander';

const TITLES: Readonly<Record<string, string>> = {
  'Usage:': 'Utilisation :',
  'Options:': 'Options :',
  'Global Options:': 'Options globales :',
  'Commands:': 'Commandes :',
  'Arguments:': 'Arguments :',
};

const show = (value: unknown) => JSON.stringify(value);

/** What commander appends to a description — choices, default, preset, variable — in French. */
function extra(description: string, parts: readonly (string | false | undefined)[]): string {
  const given = parts.filter((p): p is string => typeof p === 'string');
  if (given.length === 0) return description;
  return `${description} (${given.join(', ')})`.trim();
}

export const FRENCH_HELP: HelpConfiguration = {
  showGlobalOptions: true,
  styleTitle: (title: string) => TITLES[title] ?? title,
  commandUsage(this: Help, cmd: Command): string {
    return Help.prototype.commandUsage.call(this, cmd).replace('[command]', '[commande]');
  },
  optionDescription(option: Option): string {
    const showDefault =
      option.defaultValue !== undefined && (option.required || option.optional || (option.isBoolean() && typeof option.defaultValue === 'boolean'));
    return extra(option.description, [
      option.argChoices && `valeurs : ${option.argChoices.map(show).join(', ')}`,
      showDefault && `défaut : ${option.defaultValueDescription ?? show(option.defaultValue)}`,
      option.presetArg !== undefined && option.optional && `valeur sans argument : ${show(option.presetArg)}`,
      option.envVar !== undefined && `variable : ${option.envVar}`,
    ]);
  },
  argumentDescription(argument: Argument): string {
    return extra(argument.description, [
      argument.argChoices && `valeurs : ${argument.argChoices.map(show).join(', ')}`,
      argument.defaultValue !== undefined && `défaut : ${argument.defaultValueDescription ?? show(argument.defaultValue)}`,
    ]);
  },
};

/** Commander's usage errors, in French; anything else passes unchanged. */
const ERRORS: readonly [RegExp, string | ((match: string, ...groups: string[]) => string)][] = [
  [/^error: unknown option '([^']*)'/, "erreur : option inconnue « $1 »"],
  [/^error: unknown command '([^']*)'/, 'erreur : commande inconnue « $1 »'],
  [/^error: missing required argument '([^']*)'/, 'erreur : argument obligatoire manquant « $1 »'],
  [/^error: option '([^']*)' argument missing/, "erreur : l'option « $1 » attend une valeur"],
  [/^error: required option '([^']*)' not specified/, 'erreur : option obligatoire « $1 » non fournie'],
  [
    /^error: too many arguments(?: for '([^']*)')?\. Expected (\d+) arguments? but got (\d+)\./,
    (_m, command?: string, expected?: string, got?: string) =>
      `erreur : trop d'arguments${command ? ` pour « ${command} »` : ''} : ${expected} attendu(s), ${got} donné(s).`,
  ],
  [/^error: option '([^']*)' argument '([^']*)' is invalid\./, "erreur : valeur « $2 » invalide pour l'option « $1 »."],
  [/^error: command-argument value '([^']*)' is invalid for argument '([^']*)'\./, "erreur : valeur « $1 » invalide pour l'argument « $2 »."],
  [/^error: (.*) cannot be used with (.*)/, 'erreur : $1 ne peut pas être utilisée avec $2'],
  [/\n\(Did you mean one of ([^?]*)\?\)/, '\n(vouliez-vous dire l’une de : $1 ?)'],
  [/\n\(Did you mean ([^?]*)\?\)/, '\n(vouliez-vous dire $1 ?)'],
  [/^error:/, 'erreur :'],
];

export function frenchError(text: string): string {
  let french = text;
  for (const [pattern, replacement] of ERRORS) {
    if (pattern.source.startsWith('^error') && !french.startsWith('error')) continue;
    french = typeof replacement === 'string' ? french.replace(pattern, replacement) : french.replace(pattern, replacement);
  }
  return french;
}
