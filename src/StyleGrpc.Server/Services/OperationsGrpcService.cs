using System.Security.Claims;
using Google.LongRunning;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using StyleGrpc.Server.Errors;
using StyleGrpc.Server.Access;
using StyleGrpc.Server.Operations;

namespace StyleGrpc.Server.Services;

/// <summary>
/// <c>google.longrunning.Operations</c> over Stylize jobs: maps requests to <see cref="JobOperations"/>, scoped to the caller's
/// key (an admin key sees all).
/// </summary>
[Authorize(Policy = AccessRoles.User)]
public sealed class OperationsGrpcService(JobOperations operations) : Google.LongRunning.Operations.OperationsBase
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 1000;

    public override async Task<Operation> GetOperation(GetOperationRequest request, ServerCallContext context) =>
        OperationMapper.ToOperation(await operations.GetAsync(request.Name, Caller(context), context.CancellationToken));

    public override async Task<ListOperationsResponse> ListOperations(ListOperationsRequest request, ServerCallContext context)
    {
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            throw new RequestFieldException("page_size", $"must be between 0 and {MaxPageSize}");
        }
        var pageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var page = await operations.ListAsync(Caller(context), string.IsNullOrEmpty(request.PageToken) ? null : request.PageToken, pageSize,
                context.CancellationToken)
            ?? throw new RequestFieldException("page_token", "is not a token this server issued (or its operation is gone)");
        var response = new ListOperationsResponse { NextPageToken = page.NextAfterId ?? "" };
        response.Operations.AddRange(page.Records.Select(r => OperationMapper.ToOperation(new OperationView(r, null))));
        return response;
    }

    public override async Task<Empty> CancelOperation(CancelOperationRequest request, ServerCallContext context)
    {
        await operations.CancelAsync(request.Name, Caller(context), context.CancellationToken);
        return new Empty();
    }

    public override async Task<Empty> DeleteOperation(DeleteOperationRequest request, ServerCallContext context)
    {
        await operations.DeleteAsync(request.Name, Caller(context), context.CancellationToken);
        return new Empty();
    }

    public override async Task<Operation> WaitOperation(WaitOperationRequest request, ServerCallContext context)
    {
        var timeout = request.Timeout is null ? TimeSpan.FromMinutes(5) : request.Timeout.ToTimeSpan();
        if (timeout <= TimeSpan.Zero)
        {
            throw new RequestFieldException("timeout", "must be positive");
        }
        return OperationMapper.ToOperation(await operations.WaitAsync(request.Name, Caller(context), timeout, context.CancellationToken));
    }

    /// <summary>The caller as operations see it: its key's ID, and whether it sees every key's operations.</summary>
    public static OperationCaller Caller(ServerCallContext context)
    {
        var user = context.GetHttpContext().User;
        return new OperationCaller(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? AccessRoles.Anonymous, user.IsInRole(AccessRoles.Admin));
    }
}
