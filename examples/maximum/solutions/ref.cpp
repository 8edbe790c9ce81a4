#include <iostream>
#include <climits>
int main() {
    int n;
    std::cin >> n;
    long long best = LLONG_MIN;
    for (int i = 0; i < n; ++i) {
        long long x;
        std::cin >> x;
        if (x > best) best = x;
    }
    std::cout << best << "\n";
}
