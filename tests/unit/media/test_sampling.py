from services.media.sampling import plan_samples


def test_mediarecorder_keyframes_are_used_without_exact_seeks():
    keys = [i * 100 / 30 for i in range(55)]  # a keyframe every 100 frames at 30 fps
    plan = plan_samples(keys, 180.0)
    assert plan.exact == ()
    assert len(plan.keyframes) == 55
    gaps = [b - a for a, b in zip(plan.times, plan.times[1:], strict=False)]
    assert max(gaps) < 3.5


def test_long_gops_are_filled_with_exact_targets_from_their_keyframe():
    plan = plan_samples([0.0, 10.0, 20.0], 30.0, interval_s=2.5)
    assert plan.keyframes == (0.0, 10.0, 20.0)
    assert plan.exact == (2.5, 5.0, 7.5, 12.5, 15.0, 17.5, 22.5, 25.0, 27.5)
    assert plan.windows[12.5] == 10.0 and plan.windows[2.5] == 0.0
    gaps = [b - a for a, b in zip(plan.times, plan.times[1:], strict=False)]
    assert all(2.0 <= g <= 3.0 for g in gaps)


def test_dense_keyframes_are_thinned_to_the_minimum_spacing():
    plan = plan_samples([i * 0.5 for i in range(60)], 30.0, min_spacing_s=2.0)
    assert plan.keyframes == tuple(float(t) for t in range(0, 30, 2))
    assert plan.exact == ()


def test_uncovered_end_of_a_clip_gets_a_frame():
    plan = plan_samples([0.0], 10.0)
    assert plan.exact and plan.exact[-1] >= 7.5


def test_times_never_leave_the_clip():
    plan = plan_samples([0.0, 1.0, 50.0], 4.0)
    assert all(0 <= t <= 4.0 for t in plan.times)
