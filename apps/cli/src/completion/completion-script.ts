// Shell completion generated from the command tree itself, so it lists exactly the commands and
// options that exist: bash (and zsh through bashcompinit) and fish.
import type { Command, Option } from 'commander';

export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

interface Node {
  /** Subcommand words from the root, e.g. ['dlt', 'list']. */
  readonly path: readonly string[];
  readonly subcommands: readonly string[];
  readonly options: readonly string[];
  /** Option -> its fixed choices (e.g. --backend kafka postgres). */
  readonly choices: ReadonlyMap<string, readonly string[]>;
}

function walk(command: Command, path: readonly string[] = [], inherited: readonly Option[] = []): Node[] {
  const own = command.options as readonly Option[];
  const options = [...inherited, ...own];
  const flags = options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => Boolean(flag)));
  const choices = new Map(options.filter((o) => o.long && o.argChoices).map((o) => [o.long!, o.argChoices!]));
  const node: Node = { path, subcommands: command.commands.map((sub) => sub.name()), options: [...new Set([...flags, '--help'])], choices };
  // Global options (declared on the root) apply below it too; --version only on the root.
  const passDown = path.length === 0 ? own.filter((option) => option.long !== '--version') : inherited;
  return [node, ...command.commands.flatMap((sub) => walk(sub, [...path, sub.name()], passDown))];
}

export function completionScript(program: Command, shell: Shell): string {
  const nodes = walk(program);
  return shell === 'fish' ? fish(nodes) : bash(nodes, shell === 'zsh');
}

function bash(nodes: readonly Node[], forZsh: boolean): string {
  const cases = nodes
    .map((node) => {
      const words = [...node.subcommands, ...node.options].join(' ');
      const choiceCases = [...node.choices]
        .map(([flag, values]) => `          ${flag}) COMPREPLY=($(compgen -W "${values.join(' ')}" -- "$cur")); return ;;`)
        .join('\n');
      return `    "${node.path.join(' ')}")\n      case "$prev" in\n${choiceCases}${choiceCases ? '\n' : ''}      esac\n      candidates="${words}" ;;`;
    })
    .join('\n');
  return `# switchyard completion for ${forZsh ? 'zsh' : 'bash'}; load with: source <(switchyard completion ${forZsh ? 'zsh' : 'bash'})
${forZsh ? 'autoload -U +X bashcompinit && bashcompinit\n' : ''}_switchyard() {
  local cur prev cmdpath word i candidates
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmdpath=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$word" in -*) continue ;; esac
    case " $(_switchyard_subcommands "$cmdpath") " in *" $word "*) cmdpath="\${cmdpath:+$cmdpath }$word" ;; esac
  done
  case "$cmdpath" in
${cases}
    *) candidates="" ;;
  esac
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}
_switchyard_subcommands() {
  case "$1" in
${nodes.map((node) => `    "${node.path.join(' ')}") echo "${node.subcommands.join(' ')}" ;;`).join('\n')}
  esac
}
complete -o default -F _switchyard switchyard
`;
}

function fish(nodes: readonly Node[]): string {
  const lines = ['# switchyard completion for fish; load with: switchyard completion fish | source', 'complete -c switchyard -f'];
  for (const node of nodes) {
    // At this node: every word of the path typed, and none of its subcommands yet.
    const condition = [
      ...node.path.map((word) => `__fish_seen_subcommand_from ${word}`),
      ...(node.subcommands.length > 0 ? [`not __fish_seen_subcommand_from ${node.subcommands.join(' ')}`] : []),
    ].join('; and ');
    const when = condition === '' ? '' : ` -n '${condition}'`;
    for (const sub of node.subcommands) lines.push(`complete -c switchyard${when} -a ${sub}`);
    for (const option of node.options.filter((flag) => flag.startsWith('--'))) {
      const values = node.choices.get(option);
      lines.push(`complete -c switchyard${when} -l ${option.slice(2)}${values ? ` -xa '${values.join(' ')}'` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
