// Cost of Histogram::record on the hot path: the values cycle through a pre-generated spread so
// the bucket index computation and the counts-array access are both exercised.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "cox/util/Histogram.hpp"

namespace
{
std::vector<std::int64_t> latencySamples()
{
    // Log-uniform from 100 ns to 10 ms: touches many buckets, as real latencies do.
    std::mt19937_64 random(1);
    std::uniform_real_distribution<double> exponent(2.0, 7.0);
    std::vector<std::int64_t> samples(4096);
    for (auto& sample : samples)
    {
        sample = static_cast<std::int64_t>(std::pow(10.0, exponent(random)));
    }
    return samples;
}

void histogramRecord(benchmark::State& state)
{
    cox::util::Histogram histogram;
    const std::vector<std::int64_t> samples = latencySamples();
    std::size_t i = 0;
    for (auto _ : state)
    {
        histogram.record(samples[i]);
        i = (i + 1) & (samples.size() - 1);
    }
    benchmark::DoNotOptimize(histogram.totalCount());
    state.SetItemsProcessed(state.iterations());
}

void histogramRecordConstant(benchmark::State& state)
{
    cox::util::Histogram histogram;
    std::int64_t value = 1234;
    for (auto _ : state)
    {
        benchmark::DoNotOptimize(value);
        histogram.record(value);
    }
    benchmark::DoNotOptimize(histogram.totalCount());
    state.SetItemsProcessed(state.iterations());
}

void histogramValueAtPercentile(benchmark::State& state)
{
    cox::util::Histogram histogram;
    for (const std::int64_t sample : latencySamples())
    {
        histogram.record(sample);
    }
    for (auto _ : state)
    {
        benchmark::DoNotOptimize(histogram.valueAtPercentile(99.0));
    }
}
} // namespace

BENCHMARK(histogramRecord);
BENCHMARK(histogramRecordConstant);
BENCHMARK(histogramValueAtPercentile);
