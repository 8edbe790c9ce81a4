// A plausible wrong answer to "Largest Number": it starts from 0, so all-negative inputs fail.
#include <cstdio>

int main() {
    int n;
    std::scanf("%d", &n);
    long long best = 0;
    for (int i = 0; i < n; ++i) {
        long long x;
        std::scanf("%lld", &x);
        if (x > best) best = x;
    }
    std::printf("%lld\n", best);
}
