#include <iostream>
#include <unordered_map>
int main() {
    std::ios::sync_with_stdio(false);
    std::cin.tie(nullptr);
    int n;
    long long k;
    std::cin >> n >> k;
    std::unordered_map<long long, long long> seen;
    seen.reserve(2 * n);
    long long total = 0;
    for (int i = 0; i < n; ++i) {
        long long x;
        std::cin >> x;
        auto it = seen.find(k - x);
        if (it != seen.end()) total += it->second;
        ++seen[x];
    }
    std::cout << total << "\n";
}
