// SPDX-License-Identifier: GPL-2.0
/* uevscope locks, user-space parts: stack classification, kallsyms, one generation's sums. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "ksyms.h"
#include "locks/locks_paths.h"
#include "locks/locks_snap.h"

#define CLASSIFY(pc, ...)                                             \
	do {                                                          \
		const char *const f_[] = {__VA_ARGS__};               \
		path_classify(f_, sizeof(f_) / sizeof(f_[0]), &(pc)); \
	} while (0)

static void test_uevent_sock_mutex_from_kobject_uevent_env(void)
{
	struct path_class pc;

	CLASSIFY(pc, "bpf_prog_6deef7357e7b4530_contention_begin_btf", "bpf_trace_run2",
		 "__mutex_lock", "kobject_uevent_env", "kobject_synth_uevent", "uevent_store");
	CHECK_INT(2, pc.first);
	CHECK_STR("kobject_uevent_env", pc.uevent_fn);
	CHECK_STR("kobject_uevent_env", pc.mutex_owner);
}

static void test_unnamed_bpf_program_frame(void)
{
	struct path_class pc;

	/* bpf_jit_kallsyms off: the program's frame has no name. */
	CLASSIFY(pc, NULL, "bpf_trace_run2", "__mutex_lock", "uevent_net_exit", "ops_undo_list",
		 "cleanup_net");
	CHECK_INT(2, pc.first);
	CHECK_STR("uevent_net_exit", pc.mutex_owner);
}

static void test_netns_setup_and_slowpath_chain(void)
{
	struct path_class pc;

	CLASSIFY(pc, "__traceiter_contention_begin", "__mutex_lock", "__mutex_lock_slowpath",
		 "mutex_lock", "uevent_net_init", "ops_init", "setup_net");
	CHECK_INT(1, pc.first);
	CHECK_STR("uevent_net_init", pc.mutex_owner);
	CHECK_STR("uevent_net_init", pc.uevent_fn);
}

static void test_other_lock_on_uevent_path_is_not_the_mutex(void)
{
	struct path_class pc;

	/* nl_table_lock, taken inside the broadcast: a uevent path, another lock. */
	CLASSIFY(pc, "bpf_trace_run2", "queued_read_lock_slowpath", "netlink_broadcast_filtered",
		 "kobject_uevent_env", "kobject_synth_uevent");
	CHECK_STR("kobject_uevent_env", pc.uevent_fn);
	CHECK(pc.mutex_owner == NULL);
}

static void test_unrelated_mutex(void)
{
	struct path_class pc;

	CLASSIFY(pc, "bpf_trace_run2", "__mutex_lock", "rtnl_lock", "rtnetlink_rcv_msg", NULL);
	CHECK(pc.uevent_fn == NULL);
	CHECK(pc.mutex_owner == NULL);
	/* The uevent function further down: a uevent path, not its mutex. */
	CLASSIFY(pc, "__mutex_lock", "kernfs_get_active", "kobject_uevent_env");
	CHECK_STR("kobject_uevent_env", pc.uevent_fn);
	CHECK(pc.mutex_owner == NULL);
	CLASSIFY(pc, "bpf_trace_run2");
	CHECK_INT(1, pc.first);
	CHECK(pc.uevent_fn == NULL && pc.mutex_owner == NULL);
}

static void test_ksyms(void)
{
	static const char text[] = "ffffffff81000000 T _stext\n"
				   "ffffffff81000100 t helper\n"
				   "ffffffff81000200 T kobject_uevent_env\n"
				   "ffffffff82000040 d uevent_sock_mutex\n"
				   "ffffffff82000000 D some_data\n"
				   "ffffffffc0000000 t mod_fn\t[mod]\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	const struct ksym *s;
	struct ksyms ks;
	uint64_t off = 0;

	CHECK(f != NULL);
	CHECK_INT(0, ksyms_load_file(&ks, f));
	fclose(f);
	s = ksyms_text(&ks, 0xffffffff81000234ull, &off);
	CHECK(s != NULL);
	CHECK_STR("kobject_uevent_env", s->name);
	CHECK_INT(0x34, off);
	s = ksyms_text(&ks, 0xffffffffc0000010ull, &off);
	CHECK(s != NULL);
	CHECK_STR("mod_fn", s->name);
	CHECK(ksyms_text(&ks, 0xffffffff80000000ull, &off) == NULL);
	CHECK(ksyms_text(&ks, 0xffffffff81000200ull + (2 << 20), &off) == NULL);
	s = ksyms_data_at(&ks, 0xffffffff82000040ull);
	CHECK(s != NULL);
	CHECK_STR("uevent_sock_mutex", s->name);
	CHECK(ksyms_data_at(&ks, 0xffffffff82000041ull) == NULL);
	ksyms_free(&ks);
}

static void test_ksyms_hidden_addresses(void)
{
	static const char text[] = "0000000000000000 T _stext\n0000000000000000 t helper\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct ksyms ks;

	CHECK(f != NULL);
	CHECK_INT(-EPERM, ksyms_load_file(&ks, f));
	fclose(f);
}

/* Two CPUs; generation 7 is read (slot 1), slot 0 holds generation 6 or 8. */
static void test_stat_sum_one_generation(void)
{
	struct locks_stat v[2] = {};
	struct lk_stat st = {};

	v[0].slot[1] = (struct locks_slot){.count = 3,
					   .total_ns = 600,
					   .max_ns = 400,
					   .gen = 7,
					   .flags = LOCKS_F_MUTEX,
					   .hist = {[5] = 1, [8] = 2}};
	v[0].slot[0] = (struct locks_slot){
	    .count = 50, .total_ns = 9000, .max_ns = 8000, .gen = 8, .hist = {[12] = 50}};
	v[1].slot[1] = (struct locks_slot){.count = 2,
					   .total_ns = 900,
					   .max_ns = 500,
					   .gen = 7,
					   .flags = LOCKS_F_SPIN,
					   .hist = {[8] = 2}};
	lk_stat_sum(&st, v, 2, 7);
	CHECK_UINT(5, st.count);
	CHECK_UINT(1500, st.total_ns);
	CHECK_UINT(500, st.max_ns); /* the largest of the CPUs', not a sum */
	CHECK_UINT(1, st.hist[5]);
	CHECK_UINT(4, st.hist[8]);
	CHECK_UINT(0, st.hist[12]); /* the other slot is another generation */
	CHECK_UINT(LOCKS_F_MUTEX | LOCKS_F_SPIN, st.flags);
	/* A slot last written in generation 5 is stale, not part of 7. */
	memset(&st, 0, sizeof(st));
	v[1].slot[1].gen = 5;
	lk_stat_sum(&st, v, 2, 7);
	CHECK_UINT(3, st.count);
	CHECK_UINT(400, st.max_ns);
	CHECK_UINT(2, st.hist[8]);
	memset(&st, 0, sizeof(st));
	lk_stat_sum(&st, v, 2, 9);
	CHECK_UINT(0, st.count);
}

static void test_waiter_sum_one_generation(void)
{
	struct locks_waiter_val v[2] = {};
	struct lk_stat st = {};

	v[0].slot[0] = (struct locks_waiter_slot){.count = 4, .total_ns = 40, .gen = 2};
	v[0].slot[1] = (struct locks_waiter_slot){.count = 9, .total_ns = 90, .gen = 1};
	v[1].slot[0] = (struct locks_waiter_slot){.count = 1, .total_ns = 11, .gen = 2};
	lk_waiter_sum(&st, v, 2, 2);
	CHECK_UINT(5, st.count);
	CHECK_UINT(51, st.total_ns);
	memset(&st, 0, sizeof(st));
	lk_waiter_sum(&st, v, 2, 3); /* slot 1 holds generation 1: stale */
	CHECK_UINT(0, st.count);
}

static void test_lock_kind(void)
{
	CHECK_STR("mutex", lk_kind(LOCKS_F_MUTEX | LOCKS_F_SPIN));
	CHECK_STR("spinlock", lk_kind(LOCKS_F_SPIN));
	CHECK_STR("rwlock", lk_kind(LOCKS_F_SPIN | LOCKS_F_READ));
	CHECK_STR("rwsem", lk_kind(LOCKS_F_WRITE));
	CHECK_STR("rtmutex", lk_kind(LOCKS_F_RT));
}

int main(void)
{
	unit_suite("locks-unit");
	RUN(test_uevent_sock_mutex_from_kobject_uevent_env,
	    "uevent sock mutex from kobject uevent env");
	RUN(test_unnamed_bpf_program_frame, "unnamed bpf program frame");
	RUN(test_netns_setup_and_slowpath_chain, "netns setup and slowpath chain");
	RUN(test_other_lock_on_uevent_path_is_not_the_mutex,
	    "other lock on uevent path is not the mutex");
	RUN(test_unrelated_mutex, "unrelated mutex");
	RUN(test_ksyms, "ksyms");
	RUN(test_stat_sum_one_generation, "stat sum: one generation's slot, max over CPUs");
	RUN(test_waiter_sum_one_generation, "task sum: one generation's slot, stale slots skipped");
	RUN(test_lock_kind, "lock kind from LCB_F_* flags");
	RUN(test_ksyms_hidden_addresses, "ksyms hidden addresses");
	return unit_exit();
}
