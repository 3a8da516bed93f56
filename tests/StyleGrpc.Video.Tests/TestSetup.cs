// ffmpeg runs at full speed on two cores and the time-limit tests measure wall time: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
