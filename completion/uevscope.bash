# SPDX-License-Identifier: GPL-2.0
# bash completion for uevscope: subcommands, their options (read from
# 'uevscope COMMAND --help', so they never drift), network namespace names
# from /run/netns for --netns, cgroup v2 paths for --cgroup.

# The cgroup v2 mount point (hybrid hosts: /sys/fs/cgroup/unified).
_uevscope_cgroup2()
{
	local dev mnt type rest
	while read -r dev mnt type rest; do
		[[ $type == cgroup2 ]] && { printf '%s\n' "$mnt"; return; }
	done </proc/mounts
}

_uevscope()
{
	local cur prev words cword
	_init_completion || return

	local cmds="trace listeners report top filter policy devices attach detach locks export inject record replay forward features"
	local i cmd="" sub=""
	for ((i = 1; i < cword; i++)); do
		if [[ -z $cmd && ${words[i]} != -* ]]; then
			cmd=${words[i]}
		elif [[ -n $cmd && -z $sub && ${words[i]} != -* ]]; then
			sub=${words[i]}
		fi
	done

	case $prev in
	--netns)
		local names=""
		[[ -d /run/netns ]] && names=$(command ls /run/netns 2>/dev/null)
		COMPREPLY=($(compgen -W "$names" -- "$cur"))
		return
		;;
	--cgroup)
		local root
		root=$(_uevscope_cgroup2)
		[[ -n $root ]] || return
		local IFS=$'\n' d
		for d in $(compgen -d -- "$root/${cur#/}"); do
			COMPREPLY+=("${d#"$root"}/")
		done
		compopt -o nospace 2>/dev/null
		return
		;;
	--textfile)
		_filedir -d
		return
		;;
	--output | -o | --input | --file | -f)
		_filedir
		return
		;;
	--format | -F)
		COMPREPLY=($(compgen -W "kernel udev both" -- "$cur"))
		return
		;;
	--tier | --listen | -l | --pid | --hook | --match | -m | --count | -c | --duration | -d | \
		--interval | --top | --speed | --max-series | --max-entries | --retire | --buffer-mb)
		return
		;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-v --verbose --version -h --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
		fi
		return
	fi

	case $cmd in
	filter)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "add del list status flush watch" -- "$cur"))
			return
		fi
		;;
	policy)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "check apply" -- "$cur"))
			return
		fi
		if [[ $cur != -* ]]; then
			_filedir
			return
		fi
		;;
	devices)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W "allow deny list flush" -- "$cur"))
			return
		fi
		;;
	replay)
		if [[ -z $sub && $cur != -* ]]; then
			_filedir
			return
		fi
		;;
	inject)
		if [[ $cur != -* && -z $sub ]]; then
			COMPREPLY=($(compgen -W "add remove change move online offline bind unbind" -- "$cur"))
			return
		fi
		;;
	esac

	if [[ $cur == -* ]]; then
		local opts
		opts=$("${words[0]}" "$cmd" --help 2>/dev/null |
			grep -oE -- '(^|[][ ,(|])--?[a-zA-Z][a-zA-Z0-9-]*' | grep -oE -- '--?[a-zA-Z].*' |
			sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $cmd == filter && $sub == add ]]; then
		COMPREPLY=($(compgen -W "allow deny" -- "$cur"))
	fi
}
complete -F _uevscope uevscope
