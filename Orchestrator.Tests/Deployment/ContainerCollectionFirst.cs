using Orchestrator.Tests.Deployment;
using Xunit.Sdk;
using Xunit.v3;

[assembly: TestCollectionOrderer(typeof(ContainerCollectionFirst))]

namespace Orchestrator.Tests.Deployment;

/// <summary>
/// Starts the podman collection first, so that its image build (minutes on a fresh machine, most of it waiting on
/// the network and on the containers' own timers) overlaps the rest of the suite instead of following it.
/// xunit.runner.json gives the suite half a thread more per core, which is the slot this collection holds; the other
/// collections keep xunit's default order.
/// </summary>
public sealed class ContainerCollectionFirst : ITestCollectionOrderer
{
    public IReadOnlyCollection<TTestCollection> OrderTestCollections<TTestCollection>(IReadOnlyCollection<TTestCollection> testCollections)
        where TTestCollection : ITestCollection =>
        DefaultTestCollectionOrderer.Instance.OrderTestCollections(testCollections)
            .OrderBy(collection => collection.TestCollectionDisplayName == LocalImage.Collection ? 0 : 1)
            .ToList();
}
