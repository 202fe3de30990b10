/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * uevent filtering policy, shared by bpf/filter.bpf.c and user/filter/.
 * The policy is compiled in user space into fixed-size rules the BPF
 * programs evaluate in order (first match wins, default allow). Every
 * struct is laid out by hand with no hidden padding.
 */
#ifndef UEVSCOPE_FILTER_H
#define UEVSCOPE_FILTER_H

#define FILTER_MAX_RULES 64 /* per rule set; two sets, flipped atomically */
#define FILTER_MAX_TERMS 4  /* ANDed KEY==/!= terms per rule */
#define FILTER_MAX_ALTS	 4  /* '|' alternatives per term */
#define FILTER_MAX_KEYS	 8  /* distinct property keys in one rule set */
#define FILTER_KEY_LEN	 32 /* key names, NUL included */
#define FILTER_STR_LEN	 60 /* literal part of one alternative, no NUL needed */
#define FILTER_TEXT_LEN	 256
#define FILTER_CG_DEPTH	 8 /* cgroup levels a socket's facts keep (root = level 0) */
/*
 * Scratch for one payload (power of two). A kernel uevent is ACTION@DEVPATH\0 plus at most
 * UEVENT_BUFFER_SIZE (2048) bytes of environment, DEVPATH= among them, so under 4.2 KiB; an
 * injected one at most 2048 - 16. Longer payloads are denied where a deny rule applies.
 */
#define FILTER_BUF_SIZE 8192

enum filter_action {
	FILTER_ALLOW = 1,
	FILTER_DENY = 2,
};

enum filter_scope {
	FILTER_SCOPE_NETNS = 1,	 /* receiving socket's network namespace */
	FILTER_SCOPE_CGROUP = 2, /* socket's cgroup v2 (its creator's) or below */
	FILTER_SCOPE_PID = 3,	 /* a socket held by this process (tgid) */
};

/* One '|' alternative of a glob, reduced to what the kernel side compares. */
enum filter_alt_kind {
	FILTER_ALT_EXACT = 1,  /* "abc" */
	FILTER_ALT_PREFIX = 2, /* "abc*" */
	FILTER_ALT_SUFFIX = 3, /* "*abc" */
	FILTER_ALT_ANY = 4,    /* "*" */
};

struct filter_alt {
	__u8 kind; /* enum filter_alt_kind */
	__u8 len;  /* bytes of str used */
	__u8 reserved[2];
	char str[FILTER_STR_LEN];
};

struct filter_term {
	__u8 key_idx; /* into filter_set_hdr.keys */
	__u8 negate;  /* != */
	__u8 nalts;
	__u8 reserved;
	struct filter_alt alts[FILTER_MAX_ALTS];
};

struct filter_rule {
	__u32 id; /* user-visible rule id, never reused; 0 = empty slot */
	__u8 action;
	__u8 scope;
	__u8 nterms;
	__u8 flags; /* FILTER_RULE_*: how sockets in scope are attached */
	__u64 cgroup_id;
	__u32 netns_ino;
	__u32 pid;
	__u32 cgroup_level;
	__u32 reserved;
	struct filter_term terms[FILTER_MAX_TERMS];
	char text[FILTER_TEXT_LEN]; /* the rule as written, for list/status */
};

enum filter_rule_flags {
	FILTER_RULE_LOCK = 1 << 0,    /* set SO_LOCK_FILTER on sockets in scope */
	FILTER_RULE_REPLACE = 1 << 1, /* replace a socket's own filter */
};

/* Per rule set: the keys its terms look up, found once per uevent. */
struct filter_key {
	__u8 len; /* strlen(name) */
	__u8 reserved[3];
	char name[FILTER_KEY_LEN];
};

/* config map, one element: which rule set the programs read. */
struct filter_config {
	__u32 active;	 /* 0 or 1: rule set in use */
	__u32 nrules[2]; /* rules in each set, slots [0, nrules) */
	__u32 nkeys[2];
	__u32 next_id; /* next rule id */
	__u32 tier;    /* enum filter_tier, as chosen by the first loader */
	__u32 eval;    /* enum filter_eval, likewise (0: made before it was recorded, bpf_loop) */
	struct filter_key keys[2][FILTER_MAX_KEYS];
};

/* Which build of the filter object runs the evaluator (bpf/filter_eval.h). */
enum filter_eval {
	FILTER_EVAL_BPF_LOOP = 1, /* bpf/filter.bpf.c, bpf_loop() (5.17+) */
	FILTER_EVAL_BOUNDED = 2,  /* bpf/filter_bounded.bpf.c, bounded loops */
};

enum filter_tier {
	FILTER_TIER_SOCKET = 1, /* SO_ATTACH_BPF on each uevent socket in scope */
	FILTER_TIER_LSM = 2,	/* lsm/socket_sock_rcv_skb, every socket */
};

/* What a socket filter cannot learn about its socket: recorded at attach time. */
struct filter_sock_facts {
	__u32 tgid; /* the holder we attached through */
	__u32 netns_ino;
	__u32 sock_ino;
	__u32 fd;		       /* in tgid, at attach time */
	__u32 flags;		       /* FILTER_SOCK_* */
	__u32 cg_level;		       /* depth of the socket's cgroup */
	__u64 cg_ids[FILTER_CG_DEPTH]; /* cgroup ids from the root (level 0) down */
};

enum filter_sock_flags {
	FILTER_SOCK_LOCKED = 1 << 0,   /* SO_LOCK_FILTER set */
	FILTER_SOCK_REPLACED = 1 << 1, /* a foreign filter was replaced (--replace) */
	FILTER_SOCK_ATTACHED = 1 << 2, /* our socket filter is on it (not LSM-only facts) */
	FILTER_SOCK_FOREIGN = 1 << 3,  /* has a filter of its own: left untouched, reported */
};

/* Per rule id, per CPU. */
struct filter_rule_stats {
	__u64 allowed;
	__u64 denied;
};

enum filter_watch_method {
	FILTER_WATCH_TRACEPOINTS = 1, /* syscalls/sys_{enter,exit}_{bind,setsockopt} */
	FILTER_WATCH_RAW_TP = 2,      /* raw_tp/sys_exit */
	FILTER_WATCH_RESCAN = 3,      /* neither attached: rescans only */
};

/* fwatch map: written by the watcher (user/filter/filter_watch.c), read by `filter status`. */
struct filter_watch_stats {
	__u32 pid;	      /* watcher running now (flock held), 0 when none ever ran */
	__u32 method;	      /* enum filter_watch_method */
	__u64 attached;	      /* sockets it attached as they appeared */
	__u64 last_window_ns; /* from the bind()/setsockopt() return to our attach */
	__u64 max_window_ns;
	__u64 scans;   /* full rescans */
	__u64 lost;    /* socket notices the ring buffer had no room for */
	__u64 notices; /* bind()/setsockopt() notices received */
	/* Tasks held at socket() until covered (tracepoint and raw_tp methods). */
	__u64 held;	    /* tasks held and continued */
	__u64 hold_failed;  /* sockets made but not held (no room, signal refused) */
	__u64 last_hold_ns; /* from socket()'s exit to our SIGCONT */
	__u64 max_hold_ns;
	__u64 bind_killed;  /* bind()/setsockopt() on a held socket: caller killed */
	__u64 purged;	    /* held sockets found joined or with data queued: purged */
	__u64 purge_killed; /* their other holders, killed */
};

/* The watcher's ring buffer notices (bpf/filter_watch.bpf.c -> user/filter/filter_watch.c). */
enum filter_new_sock_kind {
	FILTER_NEW_SOCK_JOINED = 0,  /* bind()/setsockopt() succeeded on a uevent socket */
	FILTER_NEW_SOCK_CREATED = 1, /* socket() made one; held says whether its task is held */
};

struct filter_new_sock {
	__u32 tgid;
	__u32 fd;
	__u64 ts_ns; /* bpf_ktime_get_ns() at the syscall's exit */
	__u64 ino;   /* socket inode (CREATED) */
	__u32 kind;  /* enum filter_new_sock_kind */
	__u32 held;  /* SIGSTOP sent: the watcher must send SIGCONT */
};

/* "hold_scope" map key: one scope of an active rule (enum filter_scope, its level, its id). */
struct filter_hold_scope {
	__u32 kind;
	__u32 level; /* cgroup: the rule's cgroup_level; else 0 */
	__u64 id;    /* netns inode, cgroup id or tgid */
};

/* "held" map value: a task stopped at socket() until its socket is covered. */
struct filter_held {
	__u32 tgid;
	__u32 tainted; /* bound or setsockopt() while held: the caller was killed */
};

/* Per-CPU counters of the filter programs, indexes into "fcounters". */
enum filter_counter {
	FILTER_CNT_SEEN,	  /* uevents the programs evaluated */
	FILTER_CNT_DEFAULT_ALLOW, /* no rule matched */
	FILTER_CNT_NO_FACTS,	  /* socket filter ran on a socket we hold no facts for: allowed */
	FILTER_CNT_LOAD_FAIL,	  /* payload could not be copied: allowed */
	FILTER_CNT_NO_STATS,	  /* matched rule had no stats entry: verdict kept, not counted */
	FILTER_CNT_ACK,		  /* the kernel's ack to an injector: passed unevaluated */
	FILTER_CNT_TOO_LARGE,	  /* denied: too large (or too many segments) to evaluate */
	FILTER_CNT_UDEV_FORMAT,	  /* denied: a "libudev" message where a kernel uevent belongs */
	FILTER_CNT_MAX,
};

#endif /* UEVSCOPE_FILTER_H */
