#pragma once

#include "services/domain/error.h"

#include <utility>
#include <variant>

namespace Billing {

// expected<T, Error>: the return type of every public service function.
// Construct from a T for success or from an Error for failure.
template <typename T>
class [[nodiscard]] Result
{
public:
    Result(const T &value) : m_state(value) {}
    Result(T &&value) : m_state(std::move(value)) {}
    Result(const Error &error) : m_state(error) {}
    Result(Error &&error) : m_state(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<T>(m_state); }
    const T &value() const & { return std::get<T>(m_state); }
    T &&value() && { return std::get<T>(std::move(m_state)); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }

    const Error &error() const { return std::get<Error>(m_state); }

    T valueOr(T fallback) const { return ok() ? value() : std::move(fallback); }

private:
    std::variant<T, Error> m_state;
};

template <>
class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(const Error &error) : m_error(error), m_failed(true) {}
    Result(Error &&error) : m_error(std::move(error)), m_failed(true) {}

    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return m_error; }

private:
    Error m_error;
    bool m_failed = false;
};

using Status = Result<void>;

} // namespace Billing
