using Google.LongRunning;
using Grpc.Core;
using Grpc.Core.Interceptors;
using StyleGrpc.Protos.V1;
using Xunit.Abstractions;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace StyleGrpc.Server.Tests;

/// <summary>Durable jobs on a fleet: real server processes sharing one real Redis, its Streams queue and leases.</summary>
[Collection(ServerCollection.Name)]
public sealed class FleetJobTests(ITestOutputHelper output)
{
    private const int SigKill = 9;
    private const int SigCont = 18;
    private const int SigStop = 19;
    private const string KeyA = "sgk_fleet-caller-a";
    private const string KeyB = "sgk_fleet-caller-b";
    private const string AdminKey = "sgk_fleet-admin";

    private static Dictionary<string, string?> Settings(RedisServer redis, string prefix, params (string, string)[] extra)
    {
        var settings = TestKeys.Settings((AdminKey, "admin"), (KeyA, "user"), (KeyB, "user"));
        settings["StyleGrpc:Store"] = "redis";
        settings["StyleGrpc:Redis"] = redis.Configuration;
        settings["StyleGrpc:RedisKeyPrefix"] = prefix;
        settings["StyleGrpc:CheckpointSeconds"] = "2";
        settings["StyleGrpc:LeaseSeconds"] = "3";
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        return settings;
    }

    [Fact]
    public async Task Sigkill_TheReplicaRunningAJob_TheOtherClaimsItAndFinishesItFromItsCheckpoint()
    {
        using var redis = RedisServer.Shared();
        var settings = Settings(redis, $"t{Guid.NewGuid():N}:");
        await using var fleet = await TwoReplicas.StartAsync(settings);
        var (a, b) = (fleet.A, fleet.B);
        var (clientA, operationsA) = Clients(a, AdminKey);
        await RegisterStarryAsync(clientA);
        var name = (await clientA.SubmitStylizeAsync(LongRequest(600))).Name;

        // At least two checkpoints written, and some iterations past the last one.
        var checkpoints = new HashSet<int>();
        var before = await ServerSteps.MetadataWhenAsync(operationsA, name, m =>
        {
            if (m.CheckpointIteration > 0)
            {
                checkpoints.Add(m.CheckpointIteration);
            }
            return checkpoints.Count >= 2 && m.Iteration > m.CheckpointIteration;
        });
        // The metadata names the running replica by its gRPC listen address.
        Assert.Contains(before.Replica, new[] { a, b }.Select(r => $"{System.Net.Dns.GetHostName()}:{new Uri(r.Address).Port}"));
        var (runner, survivor) = fleet.Split(before.Replica);
        var frames = await WatchAsync(survivor, name, 0, take: 3);
        runner.Signal(SigKill);
        await runner.WaitForExitAsync(TimeSpan.FromSeconds(30));

        var (_, operations) = Clients(survivor, AdminKey);
        var done = await operations.WaitOperationAsync(new WaitOperationRequest { Name = name, Timeout = Duration.FromTimeSpan(Frames.Timeout) });
        var rest = await WatchAsync(survivor, name, frames[^1].Sequence, take: int.MaxValue);
        var final = done.Metadata.Unpack<StylizeMetadata>();
        var result = done.Response.Unpack<Result>();
        output.WriteLine($"killed {before.Replica} at iteration ≥ {before.Iteration}, checkpoint {before.CheckpointIteration}; finished on {final.Replica}: attempt {final.Attempt}, resumed from {final.ResumedFromIteration}");

        Assert.Equal(StylizeMetadata.Types.State.Succeeded, final.State);
        Assert.Equal(2, final.Attempt);
        Assert.True(final.ResumedFromIteration >= before.CheckpointIteration, $"resumed from {final.ResumedFromIteration}, checkpoint was {before.CheckpointIteration}");
        Assert.Equal(600, result.IterationsRun);
        // The watcher that re-attached on the survivor gets no frame twice and ends with the result.
        Assert.True(frames.Concat(rest).Zip(frames.Concat(rest).Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        Assert.NotNull(rest[^1].Result);
    }

    [Fact]
    public async Task Sigkill_TheReplicaRunningAVideo_TheOtherFinishesItFromItsStoredPartsAndCheckpoint_ItsClipUploadedToTheOther()
    {
        using var redis = RedisServer.Shared();
        // A result over 4 KiB is kept in Redis in chunks and read with ReadVideoResult.
        var settings = Settings(redis, $"t{Guid.NewGuid():N}:", ("StyleGrpc:Video:PartFrames", "3"), ("StyleGrpc:Video:InlineResultBytes", "4096"));
        await using var fleet = await TwoReplicas.StartAsync(settings);
        var (clientA, operationsA) = Clients(fleet.A, AdminKey);
        await RegisterStarryAsync(clientA);
        // The clip goes up to one replica (UploadVideo) and a job on the other names it: uploads are in Redis, seen by the fleet.
        var (clientB, _) = Clients(fleet.B, AdminKey);
        VideoUpload upload;
        using (var call = clientB.UploadVideo())
        {
            var clip = File.ReadAllBytes(TestData.Video("pan.mp4"));
            for (var offset = 0; offset < clip.Length; offset += 10_000)
            {
                await call.RequestStream.WriteAsync(new UploadVideoRequest { Data = Google.Protobuf.ByteString.CopyFrom(clip, offset, Math.Min(10_000, clip.Length - offset)) });
            }
            await call.RequestStream.CompleteAsync();
            upload = await call.ResponseAsync;
        }
        var name = (await clientA.SubmitStylizeVideoAsync(new StylizeVideoRequest
        {
            VideoUpload = upload.Name,
            StyleName = "starry",
            Options = new StylizeOptions { MaxSide = 64, Iterations = 30, Optimizer = Optimizer.Adam },
            FrameRange = new VideoFrameRange { Count = 24 },
        })).Name;
        var before = await ServerSteps.MetadataWhenAsync<StylizeVideoMetadata>(operationsA, name, m => m.CheckpointFrame >= 4);
        var (runner, survivor) = fleet.Split(before.Replica);
        runner.Signal(SigKill);
        await runner.WaitForExitAsync(TimeSpan.FromSeconds(30));

        var (_, operations) = Clients(survivor, AdminKey);
        var done = await operations.WaitOperationAsync(new WaitOperationRequest { Name = name, Timeout = Duration.FromTimeSpan(Frames.Timeout) });
        var final = done.Metadata.Unpack<StylizeVideoMetadata>();
        var result = done.Response.Unpack<VideoResult>();
        output.WriteLine($"killed {before.Replica} with {before.CheckpointFrame} frames checkpointed; finished on {final.Replica}, attempt {final.Attempt}, resumed from frame {final.ResumedFromFrame}");

        Assert.Equal(StylizeMetadata.Types.State.Succeeded, final.State);
        Assert.Equal(2, final.Attempt);
        Assert.True(final.ResumedFromFrame >= before.CheckpointFrame, $"resumed from {final.ResumedFromFrame}, the checkpoint had {before.CheckpointFrame}");
        Assert.Equal(24, result.Frames);
        Assert.True(result.Chunked);
        var path = Path.Combine(TestData.NewTempDirectory(), "fleet.mp4");
        var (survivorClient, _) = Clients(survivor, AdminKey);
        using (var read = survivorClient.ReadVideoResult(new ReadVideoResultRequest { Name = name }))
        {
            await using var file = File.Create(path);
            await foreach (var chunk in read.ResponseStream.ReadAllAsync())
            {
                await file.WriteAsync(chunk.Data.Memory);
            }
        }
        Assert.Equal(result.VideoSize, new FileInfo(path).Length);
        Assert.Equal(24L, (await new Video.Media.VideoProbe(new Video.Media.FfmpegTool()).ProbeAsync(path, CancellationToken.None)).FrameCount);
    }

    [Fact]
    public async Task Sigstop_TheRunningReplicaPastItsLease_TheOtherFinishesIt_ByteIdenticalToAnUninterruptedRun_AndTheWokenOneChangesNothing()
    {
        using var redis = RedisServer.Shared();
        var settings = Settings(redis, $"t{Guid.NewGuid():N}:");
        await using var fleet = await TwoReplicas.StartAsync(settings);
        var (a, b) = (fleet.A, fleet.B);
        var (clientA, operationsA) = Clients(a, AdminKey);
        await RegisterStarryAsync(clientA);
        var request = LongRequest(400);
        var name = (await clientA.SubmitStylizeAsync(request)).Name;
        var before = await ServerSteps.MetadataWhenAsync(operationsA, name, m => m.CheckpointIteration > 0 && m.Iteration > m.CheckpointIteration);
        var (runner, survivor) = fleet.Split(before.Replica);
        var (survivorClient, operations) = Clients(survivor, AdminKey);

        // Paused, not dead: it holds the job and renews nothing; past the lease (3 s) the other replica claims it.
        runner.Signal(SigStop);
        Operation done;
        try
        {
            done = await operations.WaitOperationAsync(new WaitOperationRequest { Name = name, Timeout = Duration.FromTimeSpan(Frames.Timeout) });
        }
        finally
        {
            runner.Signal(SigCont);
        }
        // Woken, the paused replica goes on with its attempt until it learns it lost the job; every write of it is refused by
        // the attempt fence. The record is read once that attempt's run has ended there.
        Assert.True(await ServerTestSetup.EventuallyAsync(() => runner.LineOf($"Job {name[(name.IndexOf('/') + 1)..]} finished") >= 0, Frames.Timeout),
            "the woken replica's attempt never ended");
        var after = await operations.GetOperationAsync(new GetOperationRequest { Name = name });
        var uninterrupted = await operations.WaitOperationAsync(new WaitOperationRequest
        {
            Name = (await survivorClient.SubmitStylizeAsync(request)).Name,
            Timeout = Duration.FromTimeSpan(Frames.Timeout),
        });
        var final = done.Metadata.Unpack<StylizeMetadata>();
        output.WriteLine($"paused {before.Replica} at iteration ≥ {before.Iteration} (checkpoint {before.CheckpointIteration}); finished on {final.Replica}, attempt {final.Attempt}, resumed from {final.ResumedFromIteration}");

        Assert.Equal(StylizeMetadata.Types.State.Succeeded, final.State);
        Assert.Equal(2, final.Attempt);
        Assert.Equal(done.Response.Unpack<Result>().Image.Data, after.Response.Unpack<Result>().Image.Data);
        Assert.Equal(final.Attempt, after.Metadata.Unpack<StylizeMetadata>().Attempt);
        // Resumed from a checkpoint on another replica, Adam ends on exactly the image an uninterrupted run makes.
        Assert.Equal(uninterrupted.Response.Unpack<Result>().Image.Data, done.Response.Unpack<Result>().Image.Data);
    }

    [Fact]
    public async Task RedisKilledAndRestartedFromItsAof_WhileAJobRunsAndTwoWait_LosesNoJob()
    {
        using var redis = RedisServer.StartPrivate(appendOnly: true);
        var settings = Settings(redis, $"t{Guid.NewGuid():N}:");
        await using var fleet = await TwoReplicas.StartAsync(settings);
        var (a, b) = (fleet.A, fleet.B);
        var (clientA, operationsA) = Clients(a, AdminKey);
        await RegisterStarryAsync(clientA);
        // One slot per replica: two run, one waits in the fleet's queue.
        var names = new List<string>();
        foreach (var iterations in new[] { 300, 300, 30 })
        {
            names.Add((await clientA.SubmitStylizeAsync(LongRequest(iterations))).Name);
        }
        await ServerSteps.MetadataWhenAsync(operationsA, names[0], m => m.Iteration > 0);

        redis.Stop();   // SIGKILL: an outage
        await Task.Delay(TimeSpan.FromSeconds(2));
        redis.StartAgain();

        var (_, operationsB) = Clients(b, AdminKey);
        foreach (var name in names)
        {
            var done = await operationsB.WaitOperationAsync(new WaitOperationRequest { Name = name, Timeout = Duration.FromTimeSpan(Frames.Timeout) });
            var metadata = done.Metadata.Unpack<StylizeMetadata>();
            output.WriteLine($"{name}: {metadata.State} on {metadata.Replica}, attempt {metadata.Attempt}, {done.Response?.Unpack<Result>().IterationsRun} iterations {done.Error}");
            Assert.Equal(StylizeMetadata.Types.State.Succeeded, metadata.State);
        }
        var listed = await operationsB.ListOperationsAsync(new ListOperationsRequest { Name = "operations" });
        Assert.Equal(names.Order(), listed.Operations.Select(o => o.Name).Order());
    }

    [Fact]
    public async Task CancelOperation_OnOneReplica_StopsTheJobRunningOnTheOther()
    {
        using var redis = RedisServer.Shared();
        var settings = Settings(redis, $"t{Guid.NewGuid():N}:");
        await using var fleet = await TwoReplicas.StartAsync(settings);
        var (a, b) = (fleet.A, fleet.B);
        var (clientA, operationsA) = Clients(a, AdminKey);
        await RegisterStarryAsync(clientA);
        var name = (await clientA.SubmitStylizeAsync(LongRequest(5000))).Name;
        var running = await ServerSteps.MetadataWhenAsync(operationsA, name, m => m.Iteration > 0);
        var (_, other) = fleet.Split(running.Replica);
        var (_, operations) = Clients(other, AdminKey);

        await operations.CancelOperationAsync(new CancelOperationRequest { Name = name });
        var cancelled = await ServerSteps.MetadataWhenAsync(operations, name, m => m.State != StylizeMetadata.Types.State.Running);
        var operation = await operations.GetOperationAsync(new GetOperationRequest { Name = name });

        Assert.Equal(StylizeMetadata.Types.State.Cancelled, cancelled.State);
        Assert.Equal((int)StatusCode.Cancelled, operation.Error.Code);
        Assert.True(cancelled.Iteration < 5000);
    }

    [Fact]
    public async Task Fairness_KeyAQueuesTen_ThenKeyBOne_BStartsBeforeAsThird()
    {
        using var redis = RedisServer.Shared();
        await using var server = await ServerSteps.ReadyAsync(ServerProcess.Start(Settings(redis, $"t{Guid.NewGuid():N}:", ("StyleGrpc:ConcurrentJobs", "1"))));
        var (admin, _) = Clients(server, AdminKey);
        await RegisterStarryAsync(admin);
        // The only slot is held until every job is queued, so the order they start in is the queue's, not the machine's speed.
        var (_, adminOperations) = Clients(server, AdminKey);
        var blocker = (await admin.SubmitStylizeAsync(LongRequest(5000))).Name;
        await ServerSteps.MetadataWhenAsync(adminOperations, blocker, m => m.State == StylizeMetadata.Types.State.Running);
        var (clientA, operationsA) = Clients(server, KeyA);
        var (clientB, operationsB) = Clients(server, KeyB);
        var fromA = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            fromA.Add((await clientA.SubmitStylizeAsync(Frames.Request(iterations: 20))).Name);
        }
        var fromB = (await clientB.SubmitStylizeAsync(Frames.Request(iterations: 20))).Name;
        await adminOperations.CancelOperationAsync(new CancelOperationRequest { Name = blocker });

        var b = await operationsB.WaitOperationAsync(new WaitOperationRequest { Name = fromB, Timeout = Duration.FromTimeSpan(Frames.Timeout) });
        var third = await operationsA.WaitOperationAsync(new WaitOperationRequest { Name = fromA[2], Timeout = Duration.FromTimeSpan(Frames.Timeout) });
        var bStart = b.Metadata.Unpack<StylizeMetadata>().StartTime.ToDateTimeOffset();
        var thirdStart = third.Metadata.Unpack<StylizeMetadata>().StartTime.ToDateTimeOffset();
        output.WriteLine($"B's job started at {bStart:HH:mm:ss.fff}, A's third at {thirdStart:HH:mm:ss.fff}");
        Assert.True(bStart < thirdStart, $"B's job started at {bStart:O}, after A's third at {thirdStart:O}");
        // Each key sees its own operations only.
        var listedByB = await operationsB.ListOperationsAsync(new ListOperationsRequest { Name = "operations" });
        Assert.Equal([fromB], listedByB.Operations.Select(o => o.Name));
        var hidden = await Assert.ThrowsAsync<RpcException>(() => operationsB.GetOperationAsync(new GetOperationRequest { Name = fromA[0] }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, hidden.StatusCode);
    }

    [Fact]
    public async Task RollingRestart_OfBothReplicas_LosesNoJobAndRepeatsNoIterationBeforeTheLastCheckpoint()
    {
        using var redis = RedisServer.Shared();
        // Checkpoints and requests in a folder both replicas share (StyleGrpc:BlobDirectory), as on NFS or a ReadWriteMany volume.
        var settings = Settings(redis, $"t{Guid.NewGuid():N}:", ("StyleGrpc:DrainTimeoutSeconds", "20"), ("StyleGrpc:ConcurrentJobs", "1"),
            ("StyleGrpc:BlobDirectory", TestData.NewTempDirectory()));
        var a = await ServerSteps.ReadyAsync(ServerProcess.Start(settings));
        var b = await ServerSteps.ReadyAsync(ServerProcess.Start(settings));
        try
        {
            var (client, operations) = Clients(a, AdminKey);
            await RegisterStarryAsync(client);
            // Three jobs on two replicas of one slot each: two run, one waits; each runs longer than the drain timeout allows.
            var names = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                names.Add((await client.SubmitStylizeAsync(LongRequest(400))).Name);
            }
            await ServerSteps.MetadataWhenAsync(operations, names[0], m => m.Iteration > 0);

            // SIGTERM and restart each replica in turn, as a rolling deploy does.
            a = await RestartAsync(a, settings);
            b = await RestartAsync(b, settings);

            var (_, ops) = Clients(a, AdminKey);
            var handedBack = 0;
            foreach (var name in names)
            {
                var done = await ops.WaitOperationAsync(new WaitOperationRequest { Name = name, Timeout = Duration.FromTimeSpan(Frames.Timeout) });
                var final = done.Metadata.Unpack<StylizeMetadata>();
                output.WriteLine($"{name}: {final.State}, attempt {final.Attempt}, resumed from {final.ResumedFromIteration}");
                Assert.Equal(StylizeMetadata.Types.State.Succeeded, final.State);
                Assert.Equal(400, done.Response.Unpack<Result>().IterationsRun);
                // A job handed back by a draining replica went on from the checkpoint written for the drain, not from the start.
                Assert.True(final.Attempt == 1 || final.ResumedFromIteration > 0, $"attempt {final.Attempt} started over");
                handedBack += final.Attempt > 1 ? 1 : 0;
                // Every frame of every attempt: the progress of a later attempt never goes back to or below where it resumed.
                var frames = await WatchAsync(a, name, 0, take: int.MaxValue);
                Assert.True(frames.Zip(frames.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
                Assert.NotNull(frames[^1].Result);
            }
            // The restarts interrupted running jobs (each runs longer than the drain allows): the checks above saw resumed ones.
            Assert.True(handedBack >= 1, "no job was handed back: the restarts tested nothing");
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }

    [Fact]
    public async Task Watcher_ReadsFiveFrames_DropsTheConnection_AndReattachesOnTheOtherReplicaWithoutDuplicates()
    {
        using var redis = RedisServer.Shared();
        var settings = Settings(redis, $"t{Guid.NewGuid():N}:");
        await using var fleet = await TwoReplicas.StartAsync(settings);
        var (a, b) = (fleet.A, fleet.B);
        var (client, _) = Clients(a, AdminKey);
        await RegisterStarryAsync(client);
        var request = LongRequest(200);
        request.Options.PreviewEvery = 10;
        var name = (await client.SubmitStylizeAsync(request)).Name;

        var first = await WatchAsync(a, name, 0, take: 5);
        var rest = await WatchAsync(b, name, first[^1].Sequence, take: int.MaxValue);

        var all = first.Concat(rest).ToList();
        Assert.Equal(5, first.Count);
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence), "a frame came twice or out of order");
        Assert.Single(all, f => f.Accepted is not null);
        Assert.Single(all, f => f.Started is not null);
        Assert.NotNull(all[^1].Result);
        // Gaps are coalesced progress only: the iterations delivered only grow, and the last one is the job's end.
        var iterations = all.Where(f => f.Progress is not null).Select(f => f.Progress.Iteration).ToList();
        Assert.True(iterations.Zip(iterations.Skip(1)).All(p => p.First < p.Second));
        Assert.Equal(200, all[^1].Result.IterationsRun);
    }

    private static async Task<ServerProcess> RestartAsync(ServerProcess server, Dictionary<string, string?> settings)
    {
        server.Signal(15);
        await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, server.ExitCode);
        var url = server.Address;
        await server.DisposeAsync();
        return await ServerSteps.ReadyAsync(ServerProcess.Start(settings, url: url));
    }

    [Fact]
    public async Task QueuedJobs_HaveFleetWidePositions_AndMaxJobsPerKeyHoldsForTheFleet()
    {
        using var redis = RedisServer.Shared();
        var settings = Settings(redis, $"t{Guid.NewGuid():N}:", ("StyleGrpc:ConcurrentJobs", "1"), ("StyleGrpc:MaxJobsPerKey", "3"));
        await using var fleet = await TwoReplicas.StartAsync(settings);
        var (a, b) = (fleet.A, fleet.B);
        var (admin, adminOperations) = Clients(a, AdminKey);
        await RegisterStarryAsync(admin);
        // Both replicas busy with one long job each: whatever comes next waits in the fleet's queue.
        var blockers = new[] { (await admin.SubmitStylizeAsync(LongRequest(5000))).Name, (await admin.SubmitStylizeAsync(LongRequest(5000))).Name };
        foreach (var blocker in blockers)
        {
            await ServerSteps.MetadataWhenAsync(adminOperations, blocker, m => m.State == StylizeMetadata.Types.State.Running);
        }
        var (clientA, _) = Clients(a, KeyA);
        var (_, operationsOnB) = Clients(b, KeyA);
        var queued = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            queued.Add((await clientA.SubmitStylizeAsync(Frames.Request(iterations: 3))).Name);
        }

        var positions = new List<int>();
        foreach (var name in queued)
        {
            positions.Add((await operationsOnB.GetOperationAsync(new GetOperationRequest { Name = name })).Metadata.Unpack<StylizeMetadata>().QueuePosition);
        }
        // A fourth job of the same key, on the other replica: the key's three are counted over the fleet.
        var (clientAOnB, _) = Clients(b, KeyA);
        var refused = await Assert.ThrowsAsync<RpcException>(() => clientAOnB.SubmitStylizeAsync(Frames.Request(iterations: 3)).ResponseAsync);
        foreach (var blocker in blockers)
        {
            await adminOperations.CancelOperationAsync(new CancelOperationRequest { Name = blocker });
        }

        Assert.Equal([1, 2, 3], positions);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("MaxJobsPerKey", refused.Status.Detail);
    }

    [Fact]
    public async Task FleetStylize_CallLeavesOrPassesItsDeadline_TheJobEndsWithThatReason_NotAsCancelOperation()
    {
        using var redis = RedisServer.Shared();
        var settings = Settings(redis, $"t{Guid.NewGuid():N}:");
        await using var a = await ServerSteps.ReadyAsync(ServerProcess.Start(settings));
        var (client, operations) = Clients(a, AdminKey);
        await RegisterStarryAsync(client);

        // Jobs far longer than the deadline on any machine: 5,000 Adam iterations at 256 px.
        StylizeRequest Long()
        {
            var request = LongRequest(5000);
            request.Options.MaxSide = 256;
            return request;
        }

        // The caller leaves once the job runs.
        string left;
        using (var leave = new CancellationTokenSource(Frames.Timeout))
        {
            using var call = client.Stylize(Long(), cancellationToken: leave.Token);
            left = await NameOnceRunningAsync(call.ResponseStream, leave.Token);
            await leave.CancelAsync();
        }
        // Its deadline passes while the job runs.
        string late;
        using (var call = client.Stylize(Long(), deadline: DateTime.UtcNow.AddSeconds(20)))
        {
            late = await NameOnceRunningAsync(call.ResponseStream, CancellationToken.None);
            var error = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            });
            Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        }

        var byCaller = await ServerSteps.MetadataWhenAsync(operations, left, m => m.State != StylizeMetadata.Types.State.Running);
        var byDeadline = await ServerSteps.MetadataWhenAsync(operations, late, m => m.State != StylizeMetadata.Types.State.Running);
        var leftError = (await operations.GetOperationAsync(new GetOperationRequest { Name = left })).Error;
        var lateError = (await operations.GetOperationAsync(new GetOperationRequest { Name = late })).Error;
        Assert.Equal((StylizeMetadata.Types.State.Cancelled, (int)StatusCode.Cancelled, "the call was cancelled"), (byCaller.State, leftError.Code, leftError.Message));
        Assert.Equal((StylizeMetadata.Types.State.Failed, (int)StatusCode.DeadlineExceeded, "the call's deadline passed"), (byDeadline.State, lateError.Code, lateError.Message));
    }

    [Fact]
    public async Task FleetSubmit_OverTheCallersRate_IsRefusedToTheCaller_AndEveryAnsweredJobRuns()
    {
        using var redis = RedisServer.Shared();
        var settings = Settings(redis, $"t{Guid.NewGuid():N}:", ("StyleGrpc:StylizePerMinutePerKey", "2"));
        await using var a = await ServerSteps.ReadyAsync(ServerProcess.Start(settings));
        var (admin, _) = Clients(a, AdminKey);
        await RegisterStarryAsync(admin);
        var (client, operations) = Clients(a, KeyA);

        var answered = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            answered.Add((await client.SubmitStylizeAsync(Frames.Request(iterations: 2))).Name);
        }
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitStylizeAsync(Frames.Request(iterations: 2)));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("per minute", refused.Status.Detail);
        var details = refused.GetRpcStatus()!;
        Assert.Equal(("QUOTA_EXCEEDED", "StyleGrpc:StylizePerMinutePerKey"),
            (details.GetDetail<Google.Rpc.ErrorInfo>()!.Reason, details.GetDetail<Google.Rpc.ErrorInfo>()!.Metadata["setting"]));
        Assert.StartsWith("api_key:", Assert.Single(details.GetDetail<Google.Rpc.QuotaFailure>()!.Violations).Subject);
        // The worker decides nothing more: both answered jobs run to their end, none waits handed back.
        foreach (var name in answered)
        {
            var done = await operations.WaitOperationAsync(new WaitOperationRequest { Name = name, Timeout = Duration.FromTimeSpan(Frames.Timeout) });
            Assert.Equal(StylizeMetadata.Types.State.Succeeded, done.Metadata.Unpack<StylizeMetadata>().State);
        }
    }

    // The operation a fleet Stylize call follows, once its job has made progress.
    private static async Task<string> NameOnceRunningAsync(IAsyncStreamReader<StylizeResponse> frames, CancellationToken cancellationToken)
    {
        string? name = null;
        while (await frames.MoveNext(cancellationToken))
        {
            name ??= frames.Current.Accepted?.OperationName is { Length: > 0 } accepted ? accepted : null;
            if (frames.Current.Progress is not null)
            {
                return name ?? throw new InvalidOperationException("progress before the Accepted frame");
            }
        }
        throw new InvalidOperationException("the call ended before the job made progress");
    }

    private static Task<Style> RegisterStarryAsync(StyleTransferService.StyleTransferServiceClient client) =>
        client.RegisterStyleAsync(new RegisterStyleRequest { StyleId = "starry", Image = Frames.Image("starry_night.jpg"), StyleSize = 64 }).ResponseAsync;

    private static StylizeRequest LongRequest(int iterations)
    {
        var request = Frames.Request(iterations: iterations);
        request.Options.Optimizer = Optimizer.Adam;
        return request;
    }

    private static (StyleTransferService.StyleTransferServiceClient, Operations.OperationsClient) Clients(ServerProcess server, string key)
    {
        var invoker = server.Channel.Intercept(metadata =>
        {
            metadata.Add("authorization", "Bearer " + key);
            return metadata;
        });
        return (new StyleTransferService.StyleTransferServiceClient(invoker), new Operations.OperationsClient(invoker));
    }



    private static async Task<List<StylizeResponse>> WatchAsync(ServerProcess server, string name, long after, int take)
    {
        var (client, _) = Clients(server, AdminKey);
        using var timeout = new CancellationTokenSource(Frames.Timeout);
        using var call = client.WatchStylize(new WatchStylizeRequest { Name = name, AfterSequence = after }, cancellationToken: timeout.Token);
        var frames = new List<StylizeResponse>();
        while (frames.Count < take && await call.ResponseStream.MoveNext(timeout.Token))
        {
            frames.Add(call.ResponseStream.Current);
        }
        return frames;
    }
}
